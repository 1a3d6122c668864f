'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { buildFile, code } = require('./helpers');

const t = (name, shape, dtype = 'float32', role = 'parameter') => ({ name, dtype, shape, role });
const inp = (name, shape, dtype = 'float32') => ({ name, dtype, shape });
const node = (name, op, inputs, outputs, attributes, parameters) => {
  const n = { name, op, inputs, outputs };
  if (attributes) n.attributes = attributes;
  if (parameters) n.parameters = parameters;
  return n;
};
/** code of a file with the given graph */
function g({ tensors = [], inputs = [], outputs, nodes = [], opset = { 'modelfmt.core': 1 } }, opts) {
  return code(buildFile({ tensors, architecture: { opset, inputs, outputs, nodes } }, opts));
}
const clone = (x) => JSON.parse(JSON.stringify(x));

const MLP = {
  tensors: [t('fc1.weight', [128, 784]), t('fc1.bias', [128]), t('fc2.weight', [10, 128]), t('fc2.bias', [10])],
  inputs: [inp('x', ['batch', 784])],
  outputs: [inp('logits', ['batch', 10])],
  nodes: [
    node('fc1', 'Linear', ['x'], ['h'], { in_features: 784, out_features: 128 }, { weight: 'fc1.weight', bias: 'fc1.bias' }),
    node('act', 'ReLU', ['h'], ['a']),
    node('fc2', 'Linear', ['a'], ['logits'], { in_features: 128, out_features: 10 }, { weight: 'fc2.weight', bias: 'fc2.bias' }),
  ],
};

test('architecture object and opset (§9.2, §9.3)', () => {
  assert.strictEqual(g(MLP), 'OK');
  assert.strictEqual(code(buildFile({ architecture: { opset: { 'modelfmt.core': 1 }, inputs: [], outputs: [] } })), 'HEADER_MISSING_KEY');
  assert.strictEqual(code(buildFile({ architecture: { opset: {}, inputs: [], outputs: [], nodes: [], x: 1 } })), 'HEADER_UNKNOWN_KEY');
  assert.strictEqual(g({ ...MLP, opset: [] }), 'HEADER_TYPE');
  assert.strictEqual(g({ ...MLP, opset: {} }), 'GRAPH_OPSET');
  assert.strictEqual(g({ ...MLP, opset: { 'modelfmt.core': 0 } }), 'GRAPH_OPSET');
  assert.strictEqual(g({ ...MLP, opset: { 'modelfmt.core': '1' } }), 'HEADER_TYPE');
  assert.strictEqual(g({ ...MLP, opset: { 'modelfmt.core': 3 } }), 'GRAPH_OPSET_VERSION');
  assert.strictEqual(g({ ...MLP, opset: { 'modelfmt.core': 1, 'com.example': 3 } }), 'OK');
  assert.strictEqual(g({ ...MLP, opset: { 'modelfmt.core': 1, 'modelfmt.extra': 1 } }), 'GRAPH_OPSET');
  assert.strictEqual(g({ ...MLP, opset: { 'modelfmt.core': 1, example: 1 } }), 'GRAPH_OPSET');
  assert.strictEqual(g({ ...MLP, opset: { 'modelfmt.core': 1, 'com.example': 0 } }), 'GRAPH_OPSET');
  assert.strictEqual(g({ ...MLP, opset: { 'modelfmt.core': 1, 'com.example': '1' } }), 'HEADER_TYPE');
  assert.strictEqual(g({ ...MLP, opset: { 'com.example': '1' } }), 'GRAPH_OPSET');
  // op sets are versioned by opset alone, also in a newer minor's file (§9.3, §15.4)
  assert.strictEqual(g({ ...MLP, opset: { 'modelfmt.core': 3 } }, { minor: 1 }), 'GRAPH_OPSET_VERSION');
  const unknownOp = clone(MLP);
  unknownOp.nodes[1].op = 'Swish';
  assert.strictEqual(g(unknownOp, { minor: 1 }), 'GRAPH_OP_UNKNOWN');
  assert.strictEqual(g({ ...MLP, outputs: [] }), 'HEADER_TYPE');
  assert.strictEqual(g({ ...MLP, nodes: {} }), 'HEADER_TYPE');
});

test('graph inputs and outputs (§9.5)', () => {
  assert.strictEqual(g({ ...MLP, inputs: [inp('x', ['batch', 784]), inp('x', [1])] }), 'GRAPH_VALUE_DUPLICATE');
  assert.strictEqual(g({ ...MLP, inputs: [inp('', [1])] }), 'GRAPH_NAME');
  assert.strictEqual(g({ ...MLP, inputs: [inp('x', ['1batch', 784])] }), 'GRAPH_NAME');
  assert.strictEqual(g({ ...MLP, inputs: [inp('x', ['b'.repeat(65), 784])] }), 'GRAPH_NAME');
  assert.strictEqual(g({ ...MLP, inputs: [inp('x', [-1, 784])] }), 'SHAPE_INVALID');
  assert.strictEqual(g({ ...MLP, inputs: [inp('x', [null, 784])] }), 'HEADER_TYPE');
  assert.strictEqual(g({ ...MLP, inputs: [inp('x', Array(17).fill(1))] }), 'SHAPE_INVALID');
  assert.strictEqual(g({ ...MLP, inputs: [inp('x', ['batch', 784], 'float')] }), 'DTYPE_UNKNOWN');
  assert.strictEqual(g({ ...MLP, inputs: [{ name: 'x', dtype: 'float32' }] }), 'HEADER_MISSING_KEY');
  assert.strictEqual(g({ ...MLP, outputs: [inp('nope', ['batch', 10])] }), 'GRAPH_OUTPUT_UNKNOWN');
  assert.strictEqual(g({ ...MLP, outputs: [inp('logits', ['batch', 10]), inp('logits', ['batch', 10])] }), 'GRAPH_OUTPUT_DUPLICATE');
  assert.strictEqual(g({ ...MLP, outputs: [inp('logits', ['batch', 10], 'float64')] }), 'GRAPH_DTYPE');
  assert.strictEqual(g({ ...MLP, outputs: [inp('logits', ['batch', 11])] }), 'GRAPH_SHAPE');
  assert.strictEqual(g({ ...MLP, outputs: [inp('logits', ['batch'])] }), 'GRAPH_SHAPE');
  assert.strictEqual(g({ ...MLP, outputs: [inp('logits', ['other', 10])] }), 'GRAPH_SHAPE', 'a different symbol');
  assert.strictEqual(g({ ...MLP, outputs: [inp('logits', [4, 10])] }), 'GRAPH_SHAPE', 'an integer for a symbol');
  assert.strictEqual(g({ ...MLP, outputs: [inp('logits', ['batch', 'n'])] }), 'OK', 'a free symbol for an integer');
  assert.strictEqual(g({ ...MLP, outputs: [inp('x', ['batch', 784])] }), 'OK', 'an input as output');
});

test('nodes: names, ops, arity, definitions (§9.6)', () => {
  const m = clone(MLP);
  m.nodes[1].name = 'fc1';
  assert.strictEqual(g(m), 'GRAPH_NODE_DUPLICATE');
  const m2 = clone(MLP);
  m2.nodes[1].op = 'relu';
  assert.strictEqual(g(m2), 'GRAPH_OP_UNKNOWN');
  m2.nodes[1].op = 'com.example.Relu';
  assert.strictEqual(g(m2), 'GRAPH_OP_UNKNOWN', 'undeclared domain');
  assert.strictEqual(g({ ...m2, opset: { 'modelfmt.core': 1, 'com.example': 1 } }), 'OK', 'extension outputs are unknown');
  m2.nodes[1].op = 'com.example.9x';
  assert.strictEqual(g({ ...m2, opset: { 'modelfmt.core': 1, 'com.example': 1 } }), 'GRAPH_OP_UNKNOWN');
  const m3 = clone(MLP);
  m3.nodes[1].inputs = ['h', 'h'];
  assert.strictEqual(g(m3), 'GRAPH_ARITY');
  m3.nodes[1].inputs = [];
  assert.strictEqual(g(m3), 'GRAPH_ARITY');
  m3.nodes[1].inputs = [null];
  assert.strictEqual(g(m3), 'GRAPH_ARITY');
  m3.nodes[1].inputs = ['h'];
  m3.nodes[1].outputs = [null];
  assert.strictEqual(g(m3), 'GRAPH_ARITY');
  m3.nodes[1].outputs = ['a'];
  m3.nodes[1].inputs = [1];
  assert.strictEqual(g(m3), 'HEADER_TYPE');
  m3.nodes[1].inputs = ['h\u0001'];
  assert.strictEqual(g(m3), 'GRAPH_NAME');
  m3.nodes[1].inputs = Array(4097).fill('h');
  assert.strictEqual(g(m3), 'GRAPH_LIMIT');
  const m4 = clone(MLP);
  m4.nodes[1].outputs = ['x'];
  assert.strictEqual(g(m4), 'GRAPH_VALUE_DUPLICATE');
  const m5 = clone(MLP);
  [m5.nodes[0], m5.nodes[1]] = [m5.nodes[1], m5.nodes[0]];
  assert.strictEqual(g(m5), 'GRAPH_VALUE_UNDEFINED', 'a node before its input is defined');
  const m6 = clone(MLP);
  m6.nodes[1].attributes = [];
  assert.strictEqual(g(m6), 'HEADER_TYPE');
  m6.nodes[1].attributes = {};
  m6.nodes[1].parameters = { a: 1 };
  assert.strictEqual(g(m6), 'HEADER_TYPE');
  const m7 = clone(MLP);
  m7.nodes[1].extra = 1;
  assert.strictEqual(g(m7), 'HEADER_UNKNOWN_KEY');
});

test('attributes (§9.7)', () => {
  const m = clone(MLP);
  m.nodes[0].attributes.bias = true;
  assert.strictEqual(g(m), 'GRAPH_ATTRIBUTE_UNKNOWN');
  m.nodes[0].attributes = { in_features: 784 };
  assert.strictEqual(g(m), 'GRAPH_ATTRIBUTE_MISSING');
  m.nodes[0].attributes = { in_features: 784, out_features: 128.5 };
  assert.strictEqual(g(m), 'GRAPH_ATTRIBUTE_TYPE');
  m.nodes[0].attributes = { in_features: 784, out_features: true };
  assert.strictEqual(g(m), 'GRAPH_ATTRIBUTE_TYPE');
  m.nodes[0].attributes = { in_features: 784, out_features: null };
  assert.strictEqual(g(m), 'GRAPH_ATTRIBUTE_TYPE');
  m.nodes[0].attributes = { in_features: 784, out_features: 0 };
  assert.strictEqual(g(m), 'GRAPH_ATTRIBUTE_VALUE');
  const d = clone(MLP);
  d.nodes.splice(2, 0, node('drop', 'Dropout', ['a'], ['a2'], { p: 1.5 }));
  d.nodes[3].inputs = ['a2'];
  assert.strictEqual(g(d), 'GRAPH_ATTRIBUTE_VALUE');
  d.nodes[2].attributes = { p: 1 };
  assert.strictEqual(g(d), 'OK', 'an integer-form number is a float');
  d.nodes[2].attributes = { p: '0.5' };
  assert.strictEqual(g(d), 'GRAPH_ATTRIBUTE_TYPE');
});

test('parameter bindings (§9.8)', () => {
  const m = clone(MLP);
  m.nodes[0].parameters.gamma = 'fc1.bias';
  assert.strictEqual(g(m), 'GRAPH_PARAMETER_UNKNOWN');
  const m2 = clone(MLP);
  m2.nodes[0].parameters.bias = 'nope';
  assert.strictEqual(g(m2), 'GRAPH_TENSOR_MISSING');
  const m3 = clone(MLP);
  delete m3.nodes[0].parameters.weight;
  assert.strictEqual(g(m3), 'GRAPH_PARAMETER_MISSING');
  const m4 = clone(MLP);
  delete m4.nodes[0].parameters.bias;
  assert.strictEqual(g(m4), 'OK', 'optional bias');
  const m5 = clone(MLP);
  m5.tensors[0] = t('fc1.weight', [784, 128]);
  assert.strictEqual(g(m5), 'GRAPH_PARAMETER_SHAPE');
  const m6 = clone(MLP);
  m6.tensors[0] = t('fc1.weight', [128, 784], 'float64');
  assert.strictEqual(g(m6), 'GRAPH_PARAMETER_DTYPE');
  const m7 = clone(MLP);
  m7.tensors[0] = t('fc1.weight', [128, 784], 'int32');
  assert.strictEqual(g(m7), 'GRAPH_PARAMETER_DTYPE');
  // weight tying and unbound tensors are fine
  const m8 = clone(MLP);
  m8.tensors.push(t('unused', [3], 'int64', 'buffer'));
  assert.strictEqual(g(m8), 'OK');
  // T slots equal among themselves when the input is unknown
  const m9 = clone(MLP);
  m9.opset = { 'modelfmt.core': 1, 'com.example': 1 };
  m9.nodes[1].op = 'com.example.Act';
  m9.tensors[3] = t('fc2.bias', [10], 'float64');
  assert.strictEqual(g(m9), 'GRAPH_PARAMETER_DTYPE');
  // bound-together slots
  const bn = {
    tensors: [t('g', [4]), t('b', [4]), t('m', [4], 'float32', 'buffer'), t('v', [4], 'float32', 'buffer')],
    inputs: [inp('x', ['n', 4, 8, 8])], outputs: [inp('y', ['n', 4, 8, 8])],
    nodes: [node('bn', 'BatchNorm2d', ['x'], ['y'], { num_features: 4 }, { weight: 'g', bias: 'b', running_mean: 'm', running_var: 'v' })],
  };
  assert.strictEqual(g(bn), 'OK');
  const bn2 = clone(bn);
  delete bn2.nodes[0].parameters.bias;
  assert.strictEqual(g(bn2), 'GRAPH_PARAMETER_MISSING');
  delete bn2.nodes[0].parameters.weight;
  assert.strictEqual(g(bn2), 'OK');
  const bn3 = clone(bn);
  bn3.inputs = [inp('x', ['n', 5, 8, 8])];
  assert.strictEqual(g(bn3), 'GRAPH_SHAPE');
});

test('a CNN infers its shapes', () => {
  const cnn = {
    tensors: [t('c.w', [16, 3, 3, 3]), t('c.b', [16]), t('bn.m', [16]), t('bn.v', [16]), t('fc.w', [10, 16])],
    inputs: [inp('x', ['N', 3, 32, 32])],
    outputs: [inp('y', ['N', 10]), inp('p', ['N', 16, 16, 16])],
    nodes: [
      node('conv', 'Conv2d', ['x'], ['c'], { in_channels: 3, out_channels: 16, kernel_size: [3, 3], padding: [1, 1] }, { weight: 'c.w', bias: 'c.b' }),
      node('bn', 'BatchNorm2d', ['c'], ['b'], { num_features: 16, eps: 1e-5 }, { running_mean: 'bn.m', running_var: 'bn.v' }),
      node('relu', 'ReLU', ['b'], ['r']),
      node('pool', 'MaxPool2d', ['r'], ['p'], { kernel_size: [2, 2] }),
      node('gap', 'GlobalAveragePool', ['p'], ['q']),
      node('flat', 'Flatten', ['q'], ['f']),
      node('fc', 'Linear', ['f'], ['y'], { in_features: 16, out_features: 10 }, { weight: 'fc.w' }),
    ],
  };
  assert.strictEqual(g(cnn), 'OK');
  const c2 = clone(cnn);
  c2.outputs[1] = inp('p', ['N', 16, 15, 16]);
  assert.strictEqual(g(c2), 'GRAPH_SHAPE');
  const c3 = clone(cnn);
  c3.nodes[0].attributes.groups = 2;
  assert.strictEqual(g(c3), 'GRAPH_ATTRIBUTE_VALUE', 'in_channels 3 not divisible by 2');
  const c4 = clone(cnn);
  c4.nodes[0].attributes.kernel_size = [3];
  assert.strictEqual(g(c4), 'GRAPH_ATTRIBUTE_VALUE');
  const c5 = clone(cnn);
  c5.inputs = [inp('x', ['N', 3, 2, 32])];
  c5.nodes[0].attributes.padding = [0, 0];
  assert.strictEqual(g(c5), 'GRAPH_SHAPE', 'the kernel does not fit');
  const c6 = clone(cnn);
  c6.nodes[3].attributes.padding = [2, 0];
  assert.strictEqual(g(c6), 'GRAPH_ATTRIBUTE_VALUE', 'padding above half the kernel');
  const c7 = clone(cnn);
  c7.inputs = [inp('x', ['N', 3, 32, 32], 'int32')];
  assert.strictEqual(g(c7), 'GRAPH_DTYPE');
  const c8 = clone(cnn);
  c8.nodes[3].attributes.ceil_mode = true;
  c8.inputs = [inp('x', ['N', 3, 33, 33])];
  c8.outputs[1] = inp('p', ['N', 16, 17, 17]);
  assert.strictEqual(g(c8), 'OK', 'ceil mode');
});

test('a BERT-style attention block infers its shapes', () => {
  const H = 768;
  const bert = {
    tensors: [t('we', [100, H]), t('pe', [512, H]), t('ln.w', [H]), t('ln.b', [H]), t('q.w', [H, H]), t('k.w', [H, H])],
    inputs: [inp('ids', ['batch', 'seq'], 'int64'), inp('mask', ['batch', 'seq'], 'int64')],
    outputs: [inp('probs', ['batch', 12, 'seq', 'seq']), inp('m4', ['batch', 1, 1, 'seq']), inp('pooled', ['batch', H])],
    nodes: [
      node('emb', 'Embedding', ['ids'], ['e'], { num_embeddings: 100, embedding_dim: H }, { weight: 'we' }),
      node('pos', 'PositionIds', ['ids'], ['pid'], { axis: 1 }),
      node('pos1', 'Unsqueeze', ['pid'], ['pid1'], { axes: [0] }),
      node('pemb', 'Embedding', ['pid1'], ['pe1'], { num_embeddings: 512, embedding_dim: H }, { weight: 'pe' }),
      node('add', 'Add', ['e', 'pe1'], ['s']),
      node('ln', 'LayerNorm', ['s'], ['h'], { normalized_shape: [H], eps: 1e-12 }, { weight: 'ln.w', bias: 'ln.b' }),
      node('q', 'Linear', ['h'], ['q0'], { in_features: H, out_features: H }, { weight: 'q.w' }),
      node('k', 'Linear', ['h'], ['k0'], { in_features: H, out_features: H }, { weight: 'k.w' }),
      node('qr', 'Reshape', ['q0'], ['q1'], { shape: [0, 0, 12, 64] }),
      node('qt', 'Transpose', ['q1'], ['q2'], { perm: [0, 2, 1, 3] }),
      node('kr', 'Reshape', ['k0'], ['k1'], { shape: [0, 0, 12, 64] }),
      node('kt', 'Transpose', ['k1'], ['k2'], { perm: [0, 2, 3, 1] }),
      node('mm', 'MatMul', ['q2', 'k2'], ['sc']),
      node('sq', 'Scalar', [], ['rt'], { value: 8.0 }),
      node('div', 'Div', ['sc', 'rt'], ['sc2']),
      node('mu', 'Unsqueeze', ['mask'], ['m4i'], { axes: [1, 2] }),
      node('mc', 'Cast', ['m4i'], ['m4'], { to: 'float32' }),
      node('one', 'Scalar', [], ['one'], { value: 1 }),
      node('inv', 'Sub', ['one', 'm4'], ['inv']),
      node('big', 'Scalar', [], ['big'], { value: -3.4028234663852886e38 }),
      node('am', 'Mul', ['inv', 'big'], ['addm']),
      node('madd', 'Add', ['sc2', 'addm'], ['sc3']),
      node('sm', 'Softmax', ['sc3'], ['probs'], { axis: -1 }),
      node('zero', 'Scalar', [], ['zero'], { value: 0, dtype: 'int64' }),
      node('cls', 'Gather', ['h', 'zero'], ['pooled'], { axis: 1 }),
    ],
  };
  assert.strictEqual(g(bert), 'OK');
  const b2 = clone(bert);
  b2.nodes[9].attributes.perm = [0, 2, 1];
  assert.strictEqual(g(b2), 'GRAPH_ATTRIBUTE_VALUE');
  const b3 = clone(bert);
  b3.nodes[8].attributes.shape = [0, 0, 12, 65];
  assert.strictEqual(g(b3), 'GRAPH_SHAPE', 'the Reshape passes (symbolic counts), the MatMul sees 65 != 64');
  b3.nodes[10].attributes.shape = [0, 0, 12, 65];
  b3.nodes[11].attributes.perm = [0, 2, 1, 3];
  b3.nodes[12].inputs = ['q2', 'k2'];
  b3.nodes[11].name = 'kt';
  b3.nodes.splice(12, 0, { name: 'ktt', op: 'Transpose', inputs: ['k2'], outputs: ['k3'], attributes: { perm: [0, 1, 3, 2] } });
  b3.nodes[13].inputs = ['q2', 'k3'];
  assert.strictEqual(g(b3), 'OK', 'symbolic element counts are checked at run time');
  const b4 = clone(bert);
  b4.nodes[8].attributes.shape = [0, 0, -1, -1];
  assert.strictEqual(g(b4), 'GRAPH_ATTRIBUTE_VALUE');
  const b5 = clone(bert);
  b5.nodes[22].attributes.axis = 4;
  assert.strictEqual(g(b5), 'GRAPH_ATTRIBUTE_VALUE');
  const b6 = clone(bert);
  b6.nodes[13].attributes = { value: 8.5, dtype: 'int32' };
  assert.strictEqual(g(b6), 'GRAPH_ATTRIBUTE_VALUE');
  const b7 = clone(bert);
  b7.nodes[4].inputs = ['e', 'ids'];
  assert.strictEqual(g(b7), 'GRAPH_DTYPE');
  const b8 = clone(bert);
  b8.nodes[0].inputs = ['m4'];
  assert.strictEqual(g(b8), 'GRAPH_VALUE_UNDEFINED');
  const b9 = clone(bert);
  b9.nodes[17].attributes = { value: 1, dtype: 'float8_e4m3fn' };
  assert.strictEqual(g(b9), 'GRAPH_ATTRIBUTE_VALUE');
  const b10 = clone(bert);
  b10.outputs[0] = inp('probs', ['batch', 12, 'seq', 'seq2']);
  assert.strictEqual(g(b10), 'GRAPH_SHAPE', 'a free symbol where the inferred dimension is a symbol');
});

test('shape ops', () => {
  const base = (nodes, outputs, inputs = [inp('x', [2, 6, 4])]) => g({ inputs, outputs, nodes });
  assert.strictEqual(base([node('s', 'Split', ['x'], ['a', 'b'], { axis: 1, split: [2, 4] })],
    [inp('a', [2, 2, 4]), inp('b', [2, 4, 4])]), 'OK');
  assert.strictEqual(base([node('s', 'Split', ['x'], ['a', 'b'], { axis: 1, split: [2, 3] })], [inp('a', [2, 2, 4])]), 'GRAPH_SHAPE');
  assert.strictEqual(base([node('s', 'Split', ['x'], ['a'], { axis: 1, split: [2, 4] })], [inp('a', [2, 2, 4])]), 'GRAPH_ARITY');
  assert.strictEqual(base([node('c', 'Concat', ['x', 'x'], ['y'], { axis: -1 })], [inp('y', [2, 6, 8])]), 'OK');
  assert.strictEqual(base([node('c', 'Concat', [], ['y'], { axis: 0 })], [inp('y', [2, 6, 8])]), 'GRAPH_ARITY');
  assert.strictEqual(base([node('c', 'Concat', ['x', 'y0'], ['y'], { axis: 0 })], [inp('y', [3, 6, 4])],
    [inp('x', [2, 6, 4]), inp('y0', [1, 6, 5])]), 'GRAPH_SHAPE');
  assert.strictEqual(base([node('c', 'Concat', ['x', 'y0'], ['y'], { axis: 0 })], [inp('y', ['n', 6, 4])],
    [inp('x', ['n', 6, 4]), inp('y0', [0, 6, 4])]), 'OK', 'a symbol plus zero is the symbol');
  assert.strictEqual(base([node('s', 'Slice', ['x'], ['y'], { starts: [1, -3], ends: [9007199254740991, -1], axes: [1, 2] })],
    [inp('y', [2, 5, 2])]), 'OK');
  assert.strictEqual(base([node('s', 'Slice', ['x'], ['y'], { starts: [0], ends: [6], steps: [4] })], [inp('y', [1, 6, 4])]), 'OK');
  assert.strictEqual(base([node('s', 'Slice', ['x'], ['y'], { starts: [0], ends: [6, 1] })], [inp('y', [1, 6, 4])]), 'GRAPH_ATTRIBUTE_VALUE');
  assert.strictEqual(base([node('s', 'Slice', ['x'], ['y'], { starts: [0], ends: [6], steps: [0] })], [inp('y', [1, 6, 4])]), 'GRAPH_ATTRIBUTE_VALUE');
  assert.strictEqual(base([node('s', 'Slice', ['x'], ['y'], { starts: [0, 0], ends: [1, 1], axes: [1, -2] })], [inp('y', [1, 6, 4])]), 'GRAPH_ATTRIBUTE_VALUE');
  assert.strictEqual(base([node('s', 'Squeeze', ['x'], ['y'], { axes: [0] })], [inp('y', [6, 4])]), 'GRAPH_SHAPE');
  assert.strictEqual(base([node('u', 'Unsqueeze', ['x'], ['u'], { axes: [0, -1] }), node('s', 'Squeeze', ['u'], ['y'], { axes: [4] })],
    [inp('y', [1, 2, 6, 4])]), 'OK');
  assert.strictEqual(base([node('u', 'Unsqueeze', ['x'], ['u'], { axes: [0, 0] })], [inp('u', [1, 1, 2, 6, 4])]), 'GRAPH_ATTRIBUTE_VALUE');
  assert.strictEqual(base([node('f', 'Flatten', ['x'], ['y'], { start_dim: 0 })], [inp('y', [48])]), 'OK');
  assert.strictEqual(base([node('f', 'Flatten', ['x'], ['y'], { start_dim: 2, end_dim: 1 })], [inp('y', [48])]), 'GRAPH_ATTRIBUTE_VALUE');
  assert.strictEqual(base([node('r', 'Reshape', ['x'], ['y'], { shape: [-1, 8] })], [inp('y', [6, 8])]), 'OK');
  assert.strictEqual(base([node('r', 'Reshape', ['x'], ['y'], { shape: [-1, 5] })], [inp('y', [6, 8])]), 'GRAPH_SHAPE');
  assert.strictEqual(base([node('r', 'Reshape', ['x'], ['y'], { shape: [7, 8] })], [inp('y', [7, 8])]), 'GRAPH_SHAPE');
  assert.strictEqual(base([node('r', 'Reshape', ['x'], ['y'], { shape: [0, 0, 0, 0] })], [inp('y', [7, 8])]), 'GRAPH_SHAPE');
  assert.strictEqual(base([node('r', 'Reshape', ['x'], ['y'], { shape: [-2, 0] })], [inp('y', [7, 8])]), 'GRAPH_ATTRIBUTE_VALUE');
  assert.strictEqual(base([node('r', 'Reshape', ['x'], ['y'], { shape: [-1, 0] })], [inp('y', ['b', 8])],
    [inp('x', ['b', 8])]), 'OK', 'the -1 is the symbol');
  assert.strictEqual(base([node('m', 'ReduceMean', ['x'], ['y'], { axes: [1], keepdims: true })], [inp('y', [2, 1, 4])]), 'OK');
  assert.strictEqual(base([node('m', 'ReduceSum', ['x'], ['y'])], [inp('y', [])]), 'OK');
  assert.strictEqual(base([node('m', 'ReduceMean', ['x'], ['y'], { axes: [] })], [inp('y', [])]), 'GRAPH_ATTRIBUTE_VALUE');
  assert.strictEqual(base([node('m', 'ReduceMean', ['x'], ['y'])], [inp('y', [])], [inp('x', [2], 'int32')]), 'GRAPH_DTYPE');
  assert.strictEqual(base([node('m', 'ReduceSum', ['x'], ['y'])], [inp('y', [], 'int32')], [inp('x', [2], 'int32')]), 'OK');
  assert.strictEqual(base([node('m', 'MatMul', ['x', 'x'], ['y'])], [inp('y', [2, 6, 4])]), 'GRAPH_SHAPE');
  assert.strictEqual(base([node('m', 'MatMul', ['x', 'v'], ['y'])], [inp('y', [2, 6])], [inp('x', [2, 6, 4]), inp('v', [4])]), 'OK');
  assert.strictEqual(base([node('m', 'MatMul', ['v', 'v'], ['y'])], [inp('y', [])], [inp('v', [4])]), 'OK');
  assert.strictEqual(base([node('m', 'Add', ['x', 'v'], ['y'])], [inp('y', [2, 6, 4])], [inp('x', [2, 6, 4]), inp('v', [3, 1, 1])]), 'GRAPH_SHAPE');
  assert.strictEqual(base([node('m', 'Add', ['x', 'v'], ['y'])], [inp('y', [3, 6, 4])], [inp('x', [1, 6, 4]), inp('v', [3, 1, 1])]), 'OK');
  assert.strictEqual(base([node('c', 'Cast', ['x'], ['y'], { to: 'float8_e5m2' })], [inp('y', [2, 6, 4])]), 'GRAPH_ATTRIBUTE_VALUE');
  assert.strictEqual(base([node('c', 'Cast', ['x'], ['y'], { to: 'int8' })], [inp('y', [2, 6, 4], 'int8')], [inp('x', [2, 6, 4], 'float8_e5m2')]), 'GRAPH_DTYPE');
  assert.strictEqual(base([node('c', 'Identity', ['x'], ['y'])], [inp('y', [2, 6, 4], 'float8_e5m2')], [inp('x', [2, 6, 4], 'float8_e5m2')]), 'OK');
});

test('recurrent and attention ops', () => {
  const lstmTensors = [t('weight_ih_l0', [32, 4]), t('weight_hh_l0', [32, 8]), t('weight_ih_l0_reverse', [32, 4]),
    t('weight_hh_l0_reverse', [32, 8]), t('weight_ih_l1', [32, 16]), t('weight_hh_l1', [32, 8]),
    t('weight_ih_l1_reverse', [32, 16]), t('weight_hh_l1_reverse', [32, 8])];
  const params = Object.fromEntries(lstmTensors.map((x) => [x.name, x.name]));
  const lstm = {
    tensors: lstmTensors,
    inputs: [inp('x', ['S', 'N', 4])],
    outputs: [inp('y', ['S', 'N', 16]), inp('hn', [4, 'N', 8])],
    nodes: [node('l', 'LSTM', ['x'], ['y', 'hn'], { input_size: 4, hidden_size: 8, num_layers: 2, bidirectional: true }, params)],
  };
  assert.strictEqual(g(lstm), 'OK');
  const l2 = clone(lstm);
  l2.nodes[0].attributes.num_layers = 1;
  assert.strictEqual(g(l2), 'GRAPH_PARAMETER_UNKNOWN');
  const l3 = clone(lstm);
  l3.nodes[0].inputs = ['x', 'x'];
  assert.strictEqual(g(l3), 'GRAPH_ARITY', 'H0 without C0');
  const l4 = clone(lstm);
  l4.nodes[0].attributes.num_layers = 1025;
  assert.strictEqual(g(l4), 'GRAPH_ATTRIBUTE_VALUE');
  const l5 = clone(lstm);
  l5.nodes[0].parameters.bias_ih_l0 = 'weight_hh_l0';
  assert.strictEqual(g(l5), 'GRAPH_PARAMETER_MISSING', 'biases are bound together');

  const E = 8;
  const mha = {
    tensors: [t('ipw', [3 * E, E]), t('opw', [E, E]), t('ipb', [3 * E]), t('opb', [E])],
    inputs: [inp('q', ['L', 'N', E]), inp('kv', ['S', 'N', E]), inp('pad', ['N', 'S'], 'bool')],
    outputs: [inp('y', ['L', 'N', E])],
    nodes: [node('a', 'MultiHeadAttention', ['q', 'kv', 'kv', 'pad'], ['y'], { embed_dim: E, num_heads: 2 },
      { in_proj_weight: 'ipw', out_proj_weight: 'opw', in_proj_bias: 'ipb', out_proj_bias: 'opb' })],
  };
  assert.strictEqual(g(mha), 'OK');
  const a2 = clone(mha);
  a2.nodes[0].attributes.num_heads = 3;
  assert.strictEqual(g(a2), 'GRAPH_ATTRIBUTE_VALUE');
  const a3 = clone(mha);
  a3.inputs[2] = inp('pad', ['N', 'S'], 'int64');
  assert.strictEqual(g(a3), 'GRAPH_DTYPE');
  const a4 = clone(mha);
  a4.inputs[2] = inp('pad', ['N', 'S', 1], 'bool');
  assert.strictEqual(g(a4), 'GRAPH_SHAPE');
  const a5 = clone(mha);
  delete a5.nodes[0].parameters.out_proj_bias;
  assert.strictEqual(g(a5), 'GRAPH_PARAMETER_MISSING');
});
