'use strict';
/**
 * The op set modelfmt.core versions 1 and 2 (SPEC.md §10) as data: for each op its ports, its attributes
 * (type, default, range), its cross-attribute rules, its parameter slots, and its dtype and shape rules.
 *
 * Attribute values given to the functions below are already type-checked and converted: `int` and `float`
 * to numbers, `number` to a JNumber, `ints` to arrays of numbers, `bool` and `string` as they are.
 *
 * Infer functions receive an {@link InferContext} and return the output types, one per output entry.
 * Types are `{dtype, shape}` with dimensions as in shapes.js.
 */

const { T, I, N, V } = require('./dtypes');
const S = require('./shapes');

const REQUIRED = Symbol('required');
const ABSENT = Symbol('absent');
const MAX_SAFE = 9007199254740991;

/**
 * @typedef {object} InferContext
 * @property {Array<{dtype: string, shape: Array<number|string|null>}|undefined>} ins input types by entry
 * @property {Object<string, *>} attrs attributes with defaults applied
 * @property {Map<string, {dtype: string, shape: number[]}>} bound bound tensors by slot
 * @property {number} outCount number of output entries
 * @property {function(string): never} dtypeErr GRAPH_DTYPE
 * @property {function(string): never} shapeErr GRAPH_SHAPE
 * @property {function(string): never} attrErr GRAPH_ATTRIBUTE_VALUE
 */

// ---------------------------------------------------------------------------------------------------
// Attribute ranges: functions of the converted value returning a defect description or null.

const any = null;
/** @param {number} n */
const ge = (n) => (v) => (v >= n ? null : `must be >= ${n}`);
/** @param {number} a @param {number} b */
const between = (a, b) => (v) => (v >= a && v <= b ? null : `must be in ${a} to ${b}`);
/** @param {...string} names */
const oneOf = (...names) => (v) => (names.includes(v) ? null : `must be one of ${names.join(', ')}`);
/**
 * An ints range: an exact or minimum item count, then a range for every item.
 * @param {{count?: number, min?: number}} n
 * @param {(function(number): (string|null))|null} item
 */
const ints = (n, item) => (v) => {
  if (n.count !== undefined && v.length !== n.count) return `must have ${n.count} item${n.count > 1 ? 's' : ''}`;
  if (n.min !== undefined && v.length < n.min) return `must have at least ${n.min} item`;
  if (item) for (const x of v) { const d = item(x); if (d) return `item ${x} ${d}`; }
  return null;
};

/**
 * @param {string} name
 * @param {'int'|'float'|'number'|'bool'|'string'|'ints'} type
 * @param {*} def a JSON-like default, REQUIRED, ABSENT, or {ref: name}
 * @param {(function(*): (string|null))|null} [range]
 */
function attr(name, type, def, range = null) {
  return { name, type, def, range };
}

// ---------------------------------------------------------------------------------------------------
// Ports

const port = (name, opt = false, variadic = false) => ({ name, opt, variadic });
const X = [port('X')];
const Y = [port('Y')];

// ---------------------------------------------------------------------------------------------------
// Inference helpers

/** @param {InferContext} c */
function needs(c, set, t, what, setName) {
  if (!set.has(t.dtype)) c.dtypeErr(`${what} has dtype ${t.dtype}, which is not ${setName}`);
}
function sameDtype(c, a, b, what) {
  if (a.dtype !== b.dtype) c.dtypeErr(`${what} has dtype ${b.dtype}, expected ${a.dtype} (the same dtype)`);
}
function rankAtLeast(c, t, n, what) {
  if (t.shape.length < n) c.shapeErr(`${what} has rank ${t.shape.length}, expected at least ${n}`);
}
function rankIn(c, t, ranks, what) {
  if (!ranks.includes(t.shape.length)) {
    c.shapeErr(`${what} has rank ${t.shape.length}, expected ${ranks.join(' or ')}`);
  }
}
function eqDim(c, a, b, msg) {
  if (S.differ(a, b)) c.shapeErr(`${msg}: ${a} != ${b}`);
}
/** Normalise an axis against rank r (§10.1). */
function axis(c, a, r, what) {
  if (!(a >= -r && a < r)) c.attrErr(`${what} ${a} is not an axis of a rank-${r} value`);
  return a < 0 ? a + r : a;
}
/** Normalise a list of axes; none twice. */
function axes(c, list, r, what) {
  const out = list.map((a) => axis(c, a, r, what));
  if (new Set(out).size !== out.length) c.attrErr(`${what} names an axis twice`);
  return out;
}
function type(c, dtype, shape) {
  if (shape.length > 16) c.shapeErr(`the inferred rank ${shape.length} exceeds 16`);
  return { dtype, shape };
}
const FLOAT = 'T (float16, bfloat16, float32, float64)';
const NUMERIC = 'N (a floating dtype, int32 or int64)';
const VALUE = 'V (bool, an integer dtype or a floating dtype)';
const INDEX = 'I (int32 or int64)';

// ---------------------------------------------------------------------------------------------------
// Op definitions

/** @type {Map<string, object>} */
const OPS = new Map();
function op(name, def) {
  OPS.set(name, {
    name, inputs: def.inputs || [], outputs: def.outputs || Y, attributes: def.attributes || [],
    cross: def.cross || null, postAttributes: def.postAttributes || null, arity: def.arity || null,
    slots: def.slots || (() => []), infer: def.infer,
    since: def.since || 1, // §9.3: the modelfmt.core version that introduced the op (v2 below)
  });
}

// 10.2 Value sources and conversions
op('Identity', { inputs: X, infer: (c) => [c.ins[0]] });
op('Constant', {
  inputs: [],
  slots: () => [{ name: 'value', shape: null, dtype: 'any', required: true }],
  infer: (c) => { const t = c.bound.get('value'); return [type(c, t.dtype, t.shape.slice())]; },
});
op('Scalar', {
  inputs: [],
  attributes: [
    attr('value', 'number', REQUIRED),
    attr('dtype', 'string', 'float32', oneOf('float16', 'bfloat16', 'float32', 'float64', 'int32', 'int64')),
  ],
  cross: (a) => {
    if (a.dtype !== 'int32' && a.dtype !== 'int64') return null;
    if (!a.value.isInt) return `value must be an integer (integer-form) for dtype ${a.dtype}`;
    const v = a.value.value;
    if (a.dtype === 'int32' && (v < -2147483648 || v > 2147483647)) return `value ${v} is not representable in int32`;
    return null;
  },
  infer: (c) => [type(c, c.attrs.dtype, [])],
});
op('Cast', {
  inputs: X,
  attributes: [attr('to', 'string', REQUIRED, oneOf('bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16',
    'uint32', 'uint64', 'float16', 'bfloat16', 'float32', 'float64'))],
  infer: (c) => {
    const x = c.ins[0];
    needs(c, V, x, 'X', VALUE);
    return [type(c, c.attrs.to, x.shape.slice())];
  },
});
op('PositionIds', {
  inputs: X,
  attributes: [attr('axis', 'int', REQUIRED), attr('start', 'int', 0, ge(0))],
  infer: (c) => {
    const x = c.ins[0];
    rankAtLeast(c, x, 1, 'X');
    const a = axis(c, c.attrs.axis, x.shape.length, 'axis');
    return [type(c, 'int64', [x.shape[a]])];
  },
});

// 10.3 Activations
const unaryT = (c) => { needs(c, T, c.ins[0], 'X', FLOAT); return [c.ins[0]]; };
for (const name of ['ReLU', 'SiLU', 'Tanh', 'Sigmoid']) op(name, { inputs: X, infer: unaryT });
op('LeakyReLU', { inputs: X, attributes: [attr('negative_slope', 'float', 0.01, any)], infer: unaryT });
op('GELU', { inputs: X, attributes: [attr('approximate', 'string', 'none', oneOf('none', 'tanh'))], infer: unaryT });
op('Softmax', {
  inputs: X,
  attributes: [attr('axis', 'int', REQUIRED)],
  infer: (c) => {
    const x = c.ins[0];
    needs(c, T, x, 'X', FLOAT);
    rankAtLeast(c, x, 1, 'X');
    axis(c, c.attrs.axis, x.shape.length, 'axis');
    return [x];
  },
});
op('LogSoftmax', {
  inputs: X,
  attributes: [attr('axis', 'int', REQUIRED)],
  infer: (c) => {
    const x = c.ins[0];
    needs(c, T, x, 'X', FLOAT);
    rankAtLeast(c, x, 1, 'X');
    axis(c, c.attrs.axis, x.shape.length, 'axis');
    return [x];
  },
});
op('Dropout', { inputs: X, attributes: [attr('p', 'float', 0.5, between(0, 1))], infer: unaryT });

// 10.4 Arithmetic
const binary = (set, setName) => (c) => {
  const [a, b] = c.ins;
  needs(c, set, a, 'A', setName);
  needs(c, set, b, 'B', setName);
  sameDtype(c, a, b, 'B');
  const shape = S.broadcastShapes(a.shape, b.shape);
  if (shape === undefined) c.shapeErr(`shapes [${a.shape}] and [${b.shape}] do not broadcast`);
  return [type(c, a.dtype, shape)];
};
const AB = [port('A'), port('B')];
op('Add', { inputs: AB, infer: binary(N, NUMERIC) });
op('Sub', { inputs: AB, infer: binary(N, NUMERIC) });
op('Mul', { inputs: AB, infer: binary(N, NUMERIC) });
op('Div', { inputs: AB, infer: binary(T, FLOAT) });
op('MatMul', {
  inputs: AB,
  infer: (c) => {
    const [a, b] = c.ins;
    needs(c, T, a, 'A', FLOAT);
    needs(c, T, b, 'B', FLOAT);
    sameDtype(c, a, b, 'B');
    rankAtLeast(c, a, 1, 'A');
    rankAtLeast(c, b, 1, 'B');
    const aVec = a.shape.length === 1;
    const bVec = b.shape.length === 1;
    const sa = aVec ? [1, a.shape[0]] : a.shape;
    const sb = bVec ? [b.shape[0], 1] : b.shape;
    eqDim(c, sa[sa.length - 1], sb[sb.length - 2], "A's last size and B's second-to-last size differ");
    const batch = S.broadcastShapes(sa.slice(0, -2), sb.slice(0, -2));
    if (batch === undefined) c.shapeErr('the batch axes of A and B do not broadcast');
    const shape = [...batch];
    if (!aVec) shape.push(sa[sa.length - 2]);
    if (!bVec) shape.push(sb[sb.length - 1]);
    return [type(c, a.dtype, shape)];
  },
});

// 10.5 Shape ops
op('Flatten', {
  inputs: X,
  attributes: [attr('start_dim', 'int', 1), attr('end_dim', 'int', -1)],
  infer: (c) => {
    const x = c.ins[0];
    needs(c, V, x, 'X', VALUE);
    rankAtLeast(c, x, 1, 'X');
    const r = x.shape.length;
    const s = axis(c, c.attrs.start_dim, r, 'start_dim');
    const e = axis(c, c.attrs.end_dim, r, 'end_dim');
    if (s > e) c.attrErr(`start_dim ${s} is after end_dim ${e}`);
    return [type(c, x.dtype, [...x.shape.slice(0, s), S.product(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)])];
  },
});
op('Reshape', {
  inputs: X,
  attributes: [attr('shape', 'ints', REQUIRED, ints({}, ge(-1)))],
  cross: (a) => (a.shape.filter((v) => v === -1).length > 1 ? 'shape has more than one -1' : null),
  infer: (c) => {
    const x = c.ins[0];
    needs(c, V, x, 'X', VALUE);
    const target = c.attrs.shape;
    const r = x.shape.length;
    const dims = target.map((v, i) => {
      if (v !== 0) return v;
      if (i >= r) c.shapeErr(`shape entry ${i} is 0 but X has no axis ${i}`);
      return x.shape[i];
    });
    if (dims.length > 16) c.shapeErr(`the target rank ${dims.length} exceeds 16`);
    const minus = target.indexOf(-1);
    const mx = S.monomial(x.shape);
    const exact = (m) => !m.unknown && m.syms.length === 0;
    if (minus < 0) {
      const mt = S.monomial(dims);
      if (exact(mx) && exact(mt) && mx.coef !== mt.coef) {
        c.shapeErr(`the target has ${mt.coef} elements, X has ${mx.coef}`);
      }
      return [type(c, x.dtype, dims)];
    }
    const mo = S.monomial(dims.filter((_, i) => i !== minus));
    if (exact(mo) && mo.coef === 0n) c.shapeErr('the -1 entry cannot be inferred: the other sizes multiply to 0');
    let inferred = null;
    if (exact(mx) && exact(mo)) {
      if (mx.coef % mo.coef !== 0n) c.shapeErr(`the -1 entry cannot be inferred: ${mo.coef} does not divide ${mx.coef}`);
      inferred = S.fromBig(mx.coef / mo.coef);
    } else if (!mx.unknown && !mo.unknown && mx.coef === mo.coef) {
      // X = c·(symbols), others = c·(a sub-multiset): the -1 is the one remaining symbol, if exactly one.
      const rest = [...mx.syms];
      let subset = true;
      for (const s of mo.syms) {
        const k = rest.indexOf(s);
        if (k < 0) { subset = false; break; }
        rest.splice(k, 1);
      }
      if (subset && rest.length === 1) inferred = rest[0];
    }
    dims[minus] = inferred;
    return [type(c, x.dtype, dims)];
  },
});
op('Transpose', {
  inputs: X,
  attributes: [attr('perm', 'ints', REQUIRED)],
  infer: (c) => {
    const x = c.ins[0];
    needs(c, V, x, 'X', VALUE);
    const r = x.shape.length;
    const perm = c.attrs.perm;
    const seen = new Set(perm);
    if (perm.length !== r || seen.size !== r || perm.some((p) => !(p >= 0 && p < r))) {
      c.attrErr(`perm [${perm}] is not a permutation of 0..${r - 1}`);
    }
    return [type(c, x.dtype, perm.map((p) => x.shape[p]))];
  },
});
op('Concat', {
  inputs: [port('inputs', false, true)],
  attributes: [attr('axis', 'int', REQUIRED)],
  infer: (c) => {
    const ins = c.ins;
    const first = ins[0];
    ins.forEach((t, i) => { needs(c, V, t, `input ${i}`, VALUE); sameDtype(c, first, t, `input ${i}`); });
    rankAtLeast(c, first, 1, 'input 0');
    const r = first.shape.length;
    const a = axis(c, c.attrs.axis, r, 'axis');
    ins.forEach((t, i) => {
      if (t.shape.length !== r) c.shapeErr(`input ${i} has rank ${t.shape.length}, input 0 has rank ${r}`);
      t.shape.forEach((d, j) => { if (j !== a) eqDim(c, first.shape[j], d, `input ${i} differs on axis ${j}`); });
    });
    const shape = first.shape.slice();
    shape[a] = S.sum(ins.map((t) => t.shape[a]));
    return [type(c, first.dtype, shape)];
  },
});
op('Split', {
  inputs: X,
  outputs: [port('outputs', false, true)],
  attributes: [attr('axis', 'int', REQUIRED), attr('split', 'ints', REQUIRED, ints({ min: 1 }, ge(0)))],
  postAttributes: (a, node) => (node.outputs.length !== a.split.length
    ? `Split has ${node.outputs.length} outputs but split has ${a.split.length} entries` : null),
  infer: (c) => {
    const x = c.ins[0];
    needs(c, V, x, 'X', VALUE);
    rankAtLeast(c, x, 1, 'X');
    const a = axis(c, c.attrs.axis, x.shape.length, 'axis');
    const total = c.attrs.split.reduce((s, v) => s + BigInt(v), 0n);
    const d = x.shape[a];
    if (S.known(d) && BigInt(d) !== total) c.shapeErr(`split sums to ${total}, the axis has size ${d}`);
    return c.attrs.split.map((n) => { const s = x.shape.slice(); s[a] = n; return type(c, x.dtype, s); });
  },
});
op('Slice', {
  inputs: X,
  attributes: [
    attr('starts', 'ints', REQUIRED, ints({ min: 1 }, null)),
    attr('ends', 'ints', REQUIRED, ints({ min: 1 }, null)),
    attr('axes', 'ints', ABSENT),
    attr('steps', 'ints', ABSENT, ints({}, ge(1))),
  ],
  cross: (a) => {
    const n = a.starts.length;
    if (a.ends.length !== n) return 'starts and ends have different lengths';
    if (a.axes !== undefined && a.axes.length !== n) return 'axes and starts have different lengths';
    if (a.steps !== undefined && a.steps.length !== n) return 'steps and starts have different lengths';
    return null;
  },
  infer: (c) => {
    const x = c.ins[0];
    needs(c, V, x, 'X', VALUE);
    rankAtLeast(c, x, 1, 'X');
    const r = x.shape.length;
    const { starts, ends } = c.attrs;
    const list = c.attrs.axes !== undefined ? c.attrs.axes : starts.map((_, i) => i);
    const ax = axes(c, list, r, 'axes');
    const steps = c.attrs.steps !== undefined ? c.attrs.steps : starts.map(() => 1);
    const shape = x.shape.slice();
    ax.forEach((a, k) => {
      const d = shape[a];
      if (S.known(d)) {
        const clamp = (v) => { let w = v < 0 ? v + d : v; if (w < 0) w = 0; if (w > d) w = d; return w; };
        const st = clamp(starts[k]);
        const en = clamp(ends[k]);
        shape[a] = en > st ? Math.ceil((en - st) / steps[k]) : 0;
      } else if (!(starts[k] === 0 && ends[k] >= MAX_SAFE && steps[k] === 1)) {
        shape[a] = null;
      }
    });
    return [type(c, x.dtype, shape)];
  },
});
op('Gather', {
  inputs: [port('data'), port('indices')],
  attributes: [attr('axis', 'int', 0)],
  infer: (c) => {
    const [data, idx] = c.ins;
    needs(c, V, data, 'data', VALUE);
    needs(c, I, idx, 'indices', INDEX);
    rankAtLeast(c, data, 1, 'data');
    const a = axis(c, c.attrs.axis, data.shape.length, 'axis');
    return [type(c, data.dtype, [...data.shape.slice(0, a), ...idx.shape, ...data.shape.slice(a + 1)])];
  },
});
op('Squeeze', {
  inputs: X,
  attributes: [attr('axes', 'ints', REQUIRED, ints({ min: 1 }, null))],
  infer: (c) => {
    const x = c.ins[0];
    needs(c, V, x, 'X', VALUE);
    const ax = axes(c, c.attrs.axes, x.shape.length, 'axes');
    for (const a of ax) if (S.known(x.shape[a]) && x.shape[a] !== 1) c.shapeErr(`axis ${a} has size ${x.shape[a]}, not 1`);
    return [type(c, x.dtype, x.shape.filter((_, i) => !ax.includes(i)))];
  },
});
op('Unsqueeze', {
  inputs: X,
  attributes: [attr('axes', 'ints', REQUIRED, ints({ min: 1 }, null))],
  infer: (c) => {
    const x = c.ins[0];
    needs(c, V, x, 'X', VALUE);
    const ry = x.shape.length + c.attrs.axes.length;
    if (ry > 16) c.shapeErr(`the rank of Y, ${ry}, exceeds 16`);
    const ax = axes(c, c.attrs.axes, ry, 'axes');
    const shape = [];
    let k = 0;
    for (let i = 0; i < ry; i++) shape.push(ax.includes(i) ? 1 : x.shape[k++]);
    return [type(c, x.dtype, shape)];
  },
});

// 10.6 Reductions
const reduce = (set, setName) => (c) => {
  const x = c.ins[0];
  needs(c, set, x, 'X', setName);
  const r = x.shape.length;
  const ax = c.attrs.axes === undefined ? x.shape.map((_, i) => i) : axes(c, c.attrs.axes, r, 'axes');
  const shape = [];
  x.shape.forEach((d, i) => {
    if (!ax.includes(i)) shape.push(d);
    else if (c.attrs.keepdims) shape.push(1);
  });
  return [type(c, x.dtype, shape)];
};
const reduceAttrs = () => [attr('axes', 'ints', ABSENT, ints({ min: 1 }, null)), attr('keepdims', 'bool', false)];
op('ReduceMean', { inputs: X, attributes: reduceAttrs(), infer: reduce(T, FLOAT) });
op('ReduceSum', { inputs: X, attributes: reduceAttrs(), infer: reduce(N, NUMERIC) });

// 10.7 Dense layers
op('Linear', {
  inputs: X,
  attributes: [attr('in_features', 'int', REQUIRED, ge(1)), attr('out_features', 'int', REQUIRED, ge(1))],
  slots: (a) => [
    { name: 'weight', shape: [a.out_features, a.in_features], dtype: 'T', required: true },
    { name: 'bias', shape: [a.out_features], dtype: 'T', required: false },
  ],
  infer: (c) => {
    const x = c.ins[0];
    needs(c, T, x, 'X', FLOAT);
    rankAtLeast(c, x, 1, 'X');
    eqDim(c, x.shape[x.shape.length - 1], c.attrs.in_features, "X's last size differs from in_features");
    return [type(c, x.dtype, [...x.shape.slice(0, -1), c.attrs.out_features])];
  },
});
op('Embedding', {
  inputs: [port('indices')],
  attributes: [
    attr('num_embeddings', 'int', REQUIRED, ge(1)),
    attr('embedding_dim', 'int', REQUIRED, ge(1)),
    attr('padding_idx', 'int', ABSENT),
  ],
  cross: (a) => (a.padding_idx !== undefined && !(a.padding_idx >= -a.num_embeddings && a.padding_idx < a.num_embeddings)
    ? `padding_idx ${a.padding_idx} is outside -num_embeddings..num_embeddings-1` : null),
  slots: (a) => [{ name: 'weight', shape: [a.num_embeddings, a.embedding_dim], dtype: 'float', required: true }],
  infer: (c) => {
    const x = c.ins[0];
    needs(c, I, x, 'indices', INDEX);
    if (x.shape.length > 15) c.shapeErr(`indices has rank ${x.shape.length}, more than 15`);
    return [type(c, c.bound.get('weight').dtype, [...x.shape, c.attrs.embedding_dim])];
  },
});

// 10.8 Convolution and pooling
function conv(n) {
  const items = { count: n };
  const ones = Array(n).fill(1);
  return {
    inputs: X,
    attributes: [
      attr('in_channels', 'int', REQUIRED, ge(1)),
      attr('out_channels', 'int', REQUIRED, ge(1)),
      attr('kernel_size', 'ints', REQUIRED, ints(items, ge(1))),
      attr('stride', 'ints', ones, ints(items, ge(1))),
      attr('padding', 'ints', Array(n).fill(0), ints(items, ge(0))),
      attr('dilation', 'ints', ones, ints(items, ge(1))),
      attr('groups', 'int', 1, ge(1)),
    ],
    cross: (a) => {
      if (a.in_channels % a.groups !== 0) return `in_channels ${a.in_channels} is not divisible by groups ${a.groups}`;
      if (a.out_channels % a.groups !== 0) return `out_channels ${a.out_channels} is not divisible by groups ${a.groups}`;
      return null;
    },
    slots: (a) => [
      { name: 'weight', shape: [a.out_channels, a.in_channels / a.groups, ...a.kernel_size], dtype: 'T', required: true },
      { name: 'bias', shape: [a.out_channels], dtype: 'T', required: false },
    ],
    infer: (c) => {
      const x = c.ins[0];
      const a = c.attrs;
      needs(c, T, x, 'X', FLOAT);
      rankIn(c, x, [n + 2], 'X');
      eqDim(c, x.shape[1], a.in_channels, "X's channel size differs from in_channels");
      const spatial = [];
      for (let i = 0; i < n; i++) {
        const o = S.windowOut(x.shape[2 + i], a.kernel_size[i], a.stride[i], a.padding[i], a.dilation[i], false);
        if (o === undefined) c.shapeErr(`the kernel does not fit spatial axis ${i} (size ${x.shape[2 + i]})`);
        spatial.push(o);
      }
      return [type(c, x.dtype, [x.shape[0], a.out_channels, ...spatial])];
    },
  };
}
op('Conv1d', conv(1));
op('Conv2d', conv(2));

function pool(max) {
  const two = { count: 2 };
  const attributes = [
    attr('kernel_size', 'ints', REQUIRED, ints(two, ge(1))),
    attr('stride', 'ints', { ref: 'kernel_size' }, ints(two, ge(1))),
    attr('padding', 'ints', [0, 0], ints(two, ge(0))),
  ];
  if (max) attributes.push(attr('dilation', 'ints', [1, 1], ints(two, ge(1))));
  attributes.push(attr('ceil_mode', 'bool', false));
  if (!max) attributes.push(attr('count_include_pad', 'bool', true));
  return {
    inputs: X,
    attributes,
    cross: (a) => {
      for (let i = 0; i < 2; i++) {
        const p = BigInt(a.padding[i]);
        const k = BigInt(a.kernel_size[i]);
        const limit = max ? BigInt(a.dilation[i]) * (k - 1n) + 1n : k;
        if (2n * p > limit) return `padding ${p} exceeds half the ${max ? 'effective ' : ''}kernel on axis ${i}`;
      }
      return null;
    },
    infer: (c) => {
      const x = c.ins[0];
      const a = c.attrs;
      needs(c, T, x, 'X', FLOAT);
      rankIn(c, x, [4], 'X');
      const spatial = [];
      for (let i = 0; i < 2; i++) {
        const o = S.windowOut(x.shape[2 + i], a.kernel_size[i], a.stride[i], a.padding[i], max ? a.dilation[i] : 1,
          a.ceil_mode);
        if (o === undefined) c.shapeErr(`the window does not fit spatial axis ${i} (size ${x.shape[2 + i]})`);
        spatial.push(o);
      }
      return [type(c, x.dtype, [x.shape[0], x.shape[1], ...spatial])];
    },
  };
}
op('MaxPool2d', pool(true));
op('AvgPool2d', pool(false));
op('GlobalAveragePool', {
  inputs: X,
  infer: (c) => {
    const x = c.ins[0];
    needs(c, T, x, 'X', FLOAT);
    rankAtLeast(c, x, 3, 'X');
    return [type(c, x.dtype, [x.shape[0], x.shape[1], ...x.shape.slice(2).map(() => 1)])];
  },
});

// 10.9 Normalization
function batchNorm(ranks) {
  return {
    inputs: X,
    attributes: [attr('num_features', 'int', REQUIRED, ge(1)), attr('eps', 'float', 0.00001, ge(0))],
    slots: (a) => [
      { name: 'weight', shape: [a.num_features], dtype: 'T', required: false, group: 'affine' },
      { name: 'bias', shape: [a.num_features], dtype: 'T', required: false, group: 'affine' },
      { name: 'running_mean', shape: [a.num_features], dtype: 'T', required: true },
      { name: 'running_var', shape: [a.num_features], dtype: 'T', required: true },
    ],
    infer: (c) => {
      const x = c.ins[0];
      needs(c, T, x, 'X', FLOAT);
      rankIn(c, x, ranks, 'X');
      eqDim(c, x.shape[1], c.attrs.num_features, "X's channel size (axis 1) differs from num_features");
      return [x];
    },
  };
}
op('BatchNorm1d', batchNorm([2, 3]));
op('BatchNorm2d', batchNorm([4]));
op('LayerNorm', {
  inputs: X,
  attributes: [
    attr('normalized_shape', 'ints', REQUIRED, ints({ min: 1 }, ge(1))),
    attr('eps', 'float', 0.00001, ge(0)),
  ],
  slots: (a) => [
    { name: 'weight', shape: a.normalized_shape.slice(), dtype: 'T', required: false },
    { name: 'bias', shape: a.normalized_shape.slice(), dtype: 'T', required: false },
  ],
  infer: (c) => {
    const x = c.ins[0];
    const ns = c.attrs.normalized_shape;
    needs(c, T, x, 'X', FLOAT);
    const r = x.shape.length;
    if (r < ns.length) c.shapeErr(`X has rank ${r}, less than the ${ns.length} normalized axes`);
    ns.forEach((d, i) => eqDim(c, x.shape[r - ns.length + i], d, `X's axis ${r - ns.length + i} differs from normalized_shape`));
    return [x];
  },
});

// 10.10 Recurrent layers
function recurrent(kind) {
  const G = { RNN: 1, LSTM: 4, GRU: 3 }[kind];
  const attributes = [
    attr('input_size', 'int', REQUIRED, ge(1)),
    attr('hidden_size', 'int', REQUIRED, ge(1)),
    attr('num_layers', 'int', 1, between(1, 1024)),
    attr('bidirectional', 'bool', false),
    attr('batch_first', 'bool', false),
    attr('dropout', 'float', 0, between(0, 1)),
  ];
  if (kind === 'RNN') attributes.push(attr('nonlinearity', 'string', 'tanh', oneOf('tanh', 'relu')));
  const inputs = [port('X'), port('H0', true)];
  const outputs = [port('Y'), port('H_n', true)];
  if (kind === 'LSTM') { inputs.push(port('C0', true)); outputs.push(port('C_n', true)); }
  return {
    inputs,
    outputs,
    attributes,
    arity: null,
    slots: (a) => {
      const D = a.bidirectional ? 2 : 1;
      const H = a.hidden_size;
      const slots = [];
      for (let l = 0; l < a.num_layers; l++) {
        for (let dir = 0; dir < D; dir++) {
          const sfx = `_l${l}${dir ? '_reverse' : ''}`;
          const inSize = l === 0 ? a.input_size : D * H;
          slots.push(
            { name: `weight_ih${sfx}`, shape: [G * H, inSize], dtype: 'T', required: true },
            { name: `weight_hh${sfx}`, shape: [G * H, H], dtype: 'T', required: true },
            { name: `bias_ih${sfx}`, shape: [G * H], dtype: 'T', required: false, group: 'bias' },
            { name: `bias_hh${sfx}`, shape: [G * H], dtype: 'T', required: false, group: 'bias' },
          );
        }
      }
      return slots;
    },
    infer: (c) => {
      const a = c.attrs;
      const [x, h0, c0] = c.ins;
      needs(c, T, x, 'X', FLOAT);
      rankIn(c, x, [3], 'X');
      eqDim(c, x.shape[2], a.input_size, "X's feature size differs from input_size");
      // §10.10.2: a type rule (step 10 of §9.10), so not applied when X's type is unknown.
      if (kind === 'LSTM' && !h0 !== !c0) c.arityErr('H0 and C0 must be given together or not at all');
      if (h0) sameDtype(c, x, h0, 'H0');
      if (c0) sameDtype(c, x, c0, 'C0');
      const D = a.bidirectional ? 2 : 1;
      const H = a.hidden_size;
      const LD = a.num_layers * D;
      const Nb = a.batch_first ? x.shape[0] : x.shape[1];
      const Sq = a.batch_first ? x.shape[1] : x.shape[0];
      for (const [t, what] of [[h0, 'H0'], [c0, 'C0']]) {
        if (!t) continue;
        rankIn(c, t, [3], what);
        eqDim(c, t.shape[0], LD, `${what}'s axis 0 differs from num_layers * D`);
        eqDim(c, t.shape[1], Nb, `${what}'s batch size differs from X's`);
        eqDim(c, t.shape[2], H, `${what}'s axis 2 differs from hidden_size`);
      }
      const yShape = a.batch_first ? [Nb, Sq, D * H] : [Sq, Nb, D * H];
      const state = () => type(c, x.dtype, [LD, Nb, H]);
      const outs = [type(c, x.dtype, yShape), state()];
      if (kind === 'LSTM') outs.push(state());
      return outs;
    },
  };
}
op('RNN', recurrent('RNN'));
op('LSTM', recurrent('LSTM'));
op('GRU', recurrent('GRU'));

// 10.11 Attention
op('MultiHeadAttention', {
  inputs: [port('query'), port('key'), port('value'), port('key_padding_mask', true), port('attn_mask', true)],
  attributes: [
    attr('embed_dim', 'int', REQUIRED, ge(1)),
    attr('num_heads', 'int', REQUIRED, ge(1)),
    attr('batch_first', 'bool', false),
    attr('dropout', 'float', 0, between(0, 1)),
  ],
  cross: (a) => (a.embed_dim % a.num_heads !== 0
    ? `embed_dim ${a.embed_dim} is not divisible by num_heads ${a.num_heads}` : null),
  slots: (a) => {
    const E = a.embed_dim;
    return [
      { name: 'in_proj_weight', shape: [3 * E, E], dtype: 'T', required: true },
      { name: 'in_proj_bias', shape: [3 * E], dtype: 'T', required: false, group: 'bias' },
      { name: 'out_proj_weight', shape: [E, E], dtype: 'T', required: true },
      { name: 'out_proj_bias', shape: [E], dtype: 'T', required: false, group: 'bias' },
    ];
  },
  infer: (c) => {
    const a = c.attrs;
    const [q, k, v, kpm, am] = c.ins;
    needs(c, T, q, 'query', FLOAT);
    sameDtype(c, q, k, 'key');
    sameDtype(c, q, v, 'value');
    for (const [m, what] of [[kpm, 'key_padding_mask'], [am, 'attn_mask']]) {
      if (m && m.dtype !== 'bool' && m.dtype !== q.dtype) {
        c.dtypeErr(`${what} has dtype ${m.dtype}, expected bool or ${q.dtype}`);
      }
    }
    rankIn(c, q, [3], 'query');
    rankIn(c, k, [3], 'key');
    rankIn(c, v, [3], 'value');
    const split = (t) => (a.batch_first ? [t.shape[1], t.shape[0], t.shape[2]] : [t.shape[0], t.shape[1], t.shape[2]]);
    const [L, Nq, Eq] = split(q);
    const [Sk, Nk, Ek] = split(k);
    const [Sv, Nv, Ev] = split(v);
    eqDim(c, Eq, a.embed_dim, "query's feature size differs from embed_dim");
    eqDim(c, Ek, a.embed_dim, "key's feature size differs from embed_dim");
    eqDim(c, Ev, a.embed_dim, "value's feature size differs from embed_dim");
    eqDim(c, Nk, Nq, "key's batch size differs from query's");
    eqDim(c, Nv, Nq, "value's batch size differs from query's");
    eqDim(c, Sv, Sk, "value's sequence length differs from key's");
    if (kpm) {
      rankIn(c, kpm, [2], 'key_padding_mask');
      eqDim(c, kpm.shape[0], Nq, "key_padding_mask's batch size differs");
      eqDim(c, kpm.shape[1], Sk, "key_padding_mask's key length differs");
    }
    if (am) {
      rankIn(c, am, [2, 3], 'attn_mask');
      const off = am.shape.length - 2;
      if (off === 1) {
        const nh = S.known(Nq) ? Nq * a.num_heads : a.num_heads === 1 ? Nq : null;
        eqDim(c, am.shape[0], nh, "attn_mask's axis 0 differs from N * num_heads");
      }
      eqDim(c, am.shape[off], L, "attn_mask's query length differs");
      eqDim(c, am.shape[off + 1], Sk, "attn_mask's key length differs");
    }
    return [q];
  },
});

// ---------------------------------------------------------------------------------------------------
// Version 2 (SPEC.md §10.13): each op below carries `since: 2`; a graph declaring version 1 does not know it.

const BOOL = new Set(['bool']);
const BOOLEAN = 'bool';
const v2 = (name, def) => op(name, { ...def, since: 2 });

// 10.14 Elementwise math
const unary = (set, setName) => (c) => { needs(c, set, c.ins[0], 'X', setName); return [c.ins[0]]; };
for (const name of ['Neg', 'Abs']) v2(name, { inputs: X, infer: unary(N, NUMERIC) });
for (const name of ['Sqrt', 'Rsqrt', 'Exp', 'Log', 'Sin', 'Cos', 'Erf']) v2(name, { inputs: X, infer: unary(T, FLOAT) });
v2('Pow', { inputs: AB, infer: binary(T, FLOAT) });
v2('Min', { inputs: AB, infer: binary(N, NUMERIC) });
v2('Max', { inputs: AB, infer: binary(N, NUMERIC) });
v2('Clip', {
  inputs: X,
  attributes: [attr('min', 'float', ABSENT, any), attr('max', 'float', ABSENT, any)],
  cross: (a) => (a.min !== undefined && a.max !== undefined && a.min > a.max
    ? `min ${a.min} is greater than max ${a.max}` : null),
  infer: unary(T, FLOAT),
});

// 10.15 Comparisons, logic and selection
const toBool = (infer) => (c) => [type(c, 'bool', infer(c)[0].shape)];
for (const name of ['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual']) {
  v2(name, { inputs: AB, infer: toBool(binary(N, NUMERIC)) });
}
for (const name of ['And', 'Or', 'Xor']) v2(name, { inputs: AB, infer: binary(BOOL, BOOLEAN) });
v2('Not', { inputs: X, infer: unary(BOOL, BOOLEAN) });
v2('Where', {
  inputs: [port('condition'), port('X'), port('Y')],
  outputs: [port('Z')],
  infer: (c) => {
    const [cond, x, y] = c.ins;
    needs(c, BOOL, cond, 'condition', BOOLEAN);
    needs(c, V, x, 'X', VALUE);
    sameDtype(c, x, y, 'Y');
    const xy = S.broadcastShapes(cond.shape, x.shape);
    const shape = xy === undefined ? undefined : S.broadcastShapes(xy, y.shape);
    if (shape === undefined) c.shapeErr(`shapes [${cond.shape}], [${x.shape}] and [${y.shape}] do not broadcast`);
    return [type(c, x.dtype, shape)];
  },
});

// 10.16 Reductions and scans
v2('ReduceMax', { inputs: X, attributes: reduceAttrs(), infer: reduce(N, NUMERIC) });
v2('ReduceMin', { inputs: X, attributes: reduceAttrs(), infer: reduce(N, NUMERIC) });
v2('ArgMax', {
  inputs: X,
  attributes: [attr('axis', 'int', REQUIRED), attr('keepdims', 'bool', false)],
  infer: (c) => {
    const x = c.ins[0];
    needs(c, N, x, 'X', NUMERIC);
    rankAtLeast(c, x, 1, 'X');
    const a = axis(c, c.attrs.axis, x.shape.length, 'axis');
    if (x.shape[a] === 0) c.shapeErr(`axis ${a} is empty: it has no largest element`);
    const shape = [];
    x.shape.forEach((d, i) => { if (i !== a) shape.push(d); else if (c.attrs.keepdims) shape.push(1); });
    return [type(c, 'int64', shape)];
  },
});
v2('CumSum', {
  inputs: X,
  attributes: [attr('axis', 'int', REQUIRED), attr('exclusive', 'bool', false), attr('reverse', 'bool', false)],
  infer: (c) => {
    const x = c.ins[0];
    needs(c, N, x, 'X', NUMERIC);
    rankAtLeast(c, x, 1, 'X');
    axis(c, c.attrs.axis, x.shape.length, 'axis');
    return [x];
  },
});

// 10.17 Shape and fill ops
v2('Expand', {
  inputs: X,
  attributes: [attr('shape', 'ints', REQUIRED, ints({}, ge(0)))],
  infer: (c) => {
    const x = c.ins[0];
    needs(c, V, x, 'X', VALUE);
    if (c.attrs.shape.length > 16) c.shapeErr(`the target rank ${c.attrs.shape.length} exceeds 16`);
    const shape = S.broadcastShapes(x.shape, c.attrs.shape);
    if (shape === undefined) c.shapeErr(`[${x.shape}] does not broadcast with shape [${c.attrs.shape}]`);
    return [type(c, x.dtype, shape)];
  },
});
v2('Tile', {
  inputs: X,
  attributes: [attr('repeats', 'ints', REQUIRED, ints({}, ge(0)))],
  infer: (c) => {
    const x = c.ins[0];
    const reps = c.attrs.repeats;
    needs(c, V, x, 'X', VALUE);
    if (reps.length !== x.shape.length) c.attrErr(`repeats has ${reps.length} items, X has rank ${x.shape.length}`);
    return [type(c, x.dtype, x.shape.map((d, i) => S.product([d, reps[i]])))];
  },
});
v2('Pad', {
  inputs: X,
  attributes: [
    attr('pads', 'ints', REQUIRED, ints({}, ge(0))),
    attr('mode', 'string', 'constant', oneOf('constant', 'reflect', 'replicate')),
    attr('value', 'float', 0.0, any),
  ],
  infer: (c) => {
    const x = c.ins[0];
    const { pads, mode } = c.attrs;
    needs(c, T, x, 'X', FLOAT);
    const r = x.shape.length;
    if (pads.length !== 2 * r) c.attrErr(`pads has ${pads.length} items, X has rank ${r} (needs ${2 * r})`);
    const shape = x.shape.map((d, i) => {
      const [before, after] = [pads[i], pads[r + i]];
      if (S.known(d) && (before || after)) {
        if (mode === 'reflect' && Math.max(before, after) >= d) c.shapeErr(`reflect pads of axis ${i} reach its size ${d}`);
        if (mode === 'replicate' && d === 0) c.shapeErr(`replicate cannot pad the empty axis ${i}`);
      }
      return S.sum([d, before, after]);
    });
    return [type(c, x.dtype, shape)];
  },
});

/**
 * The exact value of a binary64 as a fraction of BigInts (§10.17.4 counts Range's length exactly).
 * @param {number} x a finite number
 * @returns {[bigint, bigint]} numerator, positive denominator
 */
function exact(x) {
  if (Number.isInteger(x)) return [BigInt(x), 1n];
  let den = 1n;
  let v = x;
  while (!Number.isInteger(v)) { v *= 2; den *= 2n; } // exact: doubling a binary64 only moves its exponent
  return [BigInt(v), den];
}
const INT_RANGE = { int32: [-(2 ** 31), 2 ** 31 - 1], int64: [-(2 ** 63), 2 ** 63] };
v2('Range', {
  inputs: [],
  attributes: [
    attr('start', 'number', REQUIRED),
    attr('limit', 'number', REQUIRED),
    attr('delta', 'number', 1),
    attr('dtype', 'string', 'int64', oneOf('int32', 'int64', 'float32', 'float64')),
  ],
  cross: (a) => {
    const value = (v) => (typeof v === 'number' ? v : v.value);
    for (const name of ['start', 'limit', 'delta']) {
      const v = a[name];
      const isInt = typeof v === 'number' ? Number.isInteger(v) : v.isInt;
      if (a.dtype in INT_RANGE) {
        if (!isInt) return `${name} must be an integer (integer-form) for dtype ${a.dtype}`;
        const [lo, hi] = INT_RANGE[a.dtype];
        if (value(v) < lo || (a.dtype === 'int32' ? value(v) > hi : value(v) >= hi)) return `${name} does not fit ${a.dtype}`;
      } else if (a.dtype === 'float32' && Math.abs(value(v)) > 3.4028234663852886e38) {
        return `${name} is beyond the float32 range`;
      }
    }
    return value(a.delta) === 0 ? 'delta is 0' : null;
  },
  infer: (c) => {
    const value = (v) => (typeof v === 'number' ? v : v.value);
    const [sn, sd] = exact(value(c.attrs.start));
    const [ln, ld] = exact(value(c.attrs.limit));
    const [dn, dd] = exact(value(c.attrs.delta));
    // n = ceil((limit - start) / delta) = ceil(p / q)
    let p = (ln * sd - sn * ld) * dd;
    let q = ld * sd * dn;
    if (q < 0n) { p = -p; q = -q; }
    let n = p / q; // truncates toward zero
    if (p > 0n && p % q !== 0n) n += 1n;
    return [type(c, c.attrs.dtype, [S.fromBig(n > 0n ? n : 0n)])];
  },
});

// 10.18 Decoder layers
v2('RMSNorm', {
  inputs: X,
  attributes: [
    attr('normalized_shape', 'ints', REQUIRED, ints({ min: 1 }, ge(1))),
    attr('eps', 'float', 0.000001, ge(0)),
    attr('unit_offset', 'bool', false),
  ],
  slots: (a) => [{ name: 'weight', shape: a.normalized_shape.slice(), dtype: 'T', required: false }],
  infer: (c) => {
    const x = c.ins[0];
    const ns = c.attrs.normalized_shape;
    needs(c, T, x, 'X', FLOAT);
    const r = x.shape.length;
    if (r < ns.length) c.shapeErr(`X has rank ${r}, less than the ${ns.length} normalized axes`);
    ns.forEach((d, i) => eqDim(c, x.shape[r - ns.length + i], d, `X's axis ${r - ns.length + i} differs from normalized_shape`));
    return [x];
  },
});
v2('RotaryEmbedding', {
  inputs: [port('X'), port('position_ids')],
  attributes: [
    attr('rotary_dim', 'int', ABSENT, ge(2)),
    attr('interleaved', 'bool', false),
    attr('base', 'float', 10000.0, ge(0)),
    attr('scaling', 'string', 'none', oneOf('none', 'linear', 'llama3', 'yarn')),
    attr('factor', 'float', 1.0, ge(0)),
    attr('low_freq_factor', 'float', 1.0, ge(0)),
    attr('high_freq_factor', 'float', 4.0, ge(0)),
    attr('original_max_position_embeddings', 'int', 8192, ge(1)),
    attr('beta_fast', 'float', 32.0, ge(0)),
    attr('beta_slow', 'float', 1.0, ge(0)),
    attr('truncate', 'bool', true),
    attr('attention_factor', 'float', ABSENT, ge(0)),
  ],
  cross: (a) => {
    if (a.rotary_dim !== undefined && a.rotary_dim % 2 !== 0) return `rotary_dim ${a.rotary_dim} is odd`;
    if (a.scaling === 'llama3' && !(a.low_freq_factor < a.high_freq_factor)) {
      return 'low_freq_factor is not below high_freq_factor';
    }
    if (a.scaling === 'yarn') {
      if (!(a.beta_slow > 0 && a.beta_slow < a.beta_fast)) return 'beta_slow is not between 0 and beta_fast';
      if (!(a.base > 0 && a.base !== 1 && a.factor !== 0)) return 'yarn needs a base above 0 other than 1, and a factor above 0';
    }
    return null;
  },
  infer: (c) => {
    const [x, pos] = c.ins;
    needs(c, T, x, 'X', FLOAT);
    needs(c, I, pos, 'position_ids', INDEX);
    rankIn(c, x, [4], 'X');
    rankIn(c, pos, [2], 'position_ids');
    eqDim(c, pos.shape[0], x.shape[0], "position_ids' batch size differs from X's");
    eqDim(c, pos.shape[1], x.shape[2], "position_ids' sequence length differs from X's");
    const headDim = x.shape[3];
    const rd = c.attrs.rotary_dim;
    if (rd !== undefined && S.known(headDim) && rd > headDim) c.shapeErr(`rotary_dim ${rd} exceeds the head size ${headDim}`);
    if (rd === undefined && S.known(headDim) && headDim % 2 !== 0) c.shapeErr(`the head size ${headDim} is odd`);
    return [x];
  },
});

v2('Attention', {
  inputs: [port('query'), port('key'), port('value'), port('mask', true), port('past_key', true), port('past_value', true)],
  outputs: [port('Y'), port('present_key', true), port('present_value', true)],
  attributes: [
    attr('scale', 'float', ABSENT, any),
    attr('causal', 'bool', false),
    attr('window', 'int', ABSENT, ge(1)),
    attr('softcap', 'float', ABSENT, ge(0)),
  ],
  cross: (a) => (a.window !== undefined && !a.causal ? 'window needs causal' : null),
  infer: (c) => {
    const [q, k, v, m, pk, pv] = c.ins;
    needs(c, T, q, 'query', FLOAT);
    for (const [t, what] of [[k, 'key'], [v, 'value'], [pk, 'past_key'], [pv, 'past_value']]) {
      if (t) sameDtype(c, q, t, what);
    }
    if (m && m.dtype !== 'bool' && m.dtype !== q.dtype) c.dtypeErr(`mask has dtype ${m.dtype}, expected bool or ${q.dtype}`);
    if (!pk !== !pv) c.arityErr('past_key and past_value must be given together or not at all');
    rankIn(c, q, [4], 'query');
    rankIn(c, k, [4], 'key');
    rankIn(c, v, [4], 'value');
    const [B, H, L] = q.shape;
    const [Bk, G, Sk, Dk] = k.shape;
    const [Bv, Gv, Sv, Dv] = v.shape;
    eqDim(c, Bk, B, "key's batch size differs from query's");
    eqDim(c, Bv, B, "value's batch size differs from query's");
    eqDim(c, Dk, q.shape[3], "key's head size differs from query's");
    eqDim(c, Gv, G, "value's heads differ from key's");
    eqDim(c, Sv, Sk, "value's length differs from key's");
    if (S.known(H) && S.known(G) && (G === 0 || H % G !== 0)) c.shapeErr(`query's ${H} heads are not a multiple of key's ${G}`);
    let total = Sk;
    if (pk) {
      for (const [t, last, what] of [[pk, Dk, 'past_key'], [pv, Dv, 'past_value']]) {
        rankIn(c, t, [4], what);
        eqDim(c, t.shape[0], B, `${what}'s batch size differs`);
        eqDim(c, t.shape[1], G, `${what}'s heads differ from key's`);
        eqDim(c, t.shape[3], last, `${what}'s head size differs`);
      }
      eqDim(c, pk.shape[2], pv.shape[2], 'past_key and past_value have different lengths');
      total = S.sum([pk.shape[2], Sk]);
    }
    if (m) {
      const full = [B, H, L, total];
      if (m.shape.length > 4) c.shapeErr('mask has more than 4 axes');
      m.shape.slice().reverse().forEach((d, i) => {
        if (d !== 1 && S.differ(d, full[3 - i])) c.shapeErr(`mask does not broadcast to the logits`);
      });
    }
    return [type(c, q.dtype, [B, H, L, Dv]), type(c, q.dtype, [B, G, total, Dk]), type(c, q.dtype, [B, G, total, Dv])];
  },
});

module.exports = { OPS, REQUIRED, ABSENT };
