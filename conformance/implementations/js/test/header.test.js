'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { assemble, describe, buildFile, code } = require('./helpers');

const T = (o = {}) => ({ name: 'w', dtype: 'float32', shape: [2], ...o });
/** header object after a mutation of the described header */
function mutated(d, fn, opts) {
  const { header, datas } = describe(d);
  fn(header);
  return assemble(JSON.stringify(header), datas, opts);
}

test('header JSON errors map to phase 2 codes', () => {
  assert.strictEqual(code(assemble('')), 'HEADER_SYNTAX');
  assert.strictEqual(code(assemble('   ')), 'HEADER_SYNTAX');
  assert.strictEqual(code(assemble('{"metadata":{},"tensors":[]}\u0000')), 'HEADER_SYNTAX');
  assert.strictEqual(code(assemble('{"metadata":{},"tensors":[],"metadata":{}}')), 'HEADER_DUPLICATE_KEY');
  assert.strictEqual(code(assemble('{"metadata":{"a":NaN},"tensors":[]}')), 'HEADER_NUMBER');
  // root depth 1, metadata depth 2, then 62 arrays: depth 64
  assert.strictEqual(code(assemble('{"metadata":{"a":' + '['.repeat(63) + ']'.repeat(63) + '},"tensors":[]}')), 'HEADER_DEPTH');
  assert.strictEqual(code(assemble('{"metadata":{"a":' + '['.repeat(62) + ']'.repeat(62) + '},"tensors":[]}')), 'OK');
  assert.strictEqual(code(assemble(Buffer.from('\ufeff{"metadata":{},"tensors":[]}'))), 'HEADER_ENCODING');
  assert.strictEqual(code(assemble('{"metadata":{"a":"\\udc00"},"tensors":[]}')), 'HEADER_ENCODING');
});

test('header object (§4.8)', () => {
  assert.strictEqual(code(assemble('[]')), 'HEADER_TYPE');
  assert.strictEqual(code(assemble('{"metadata":{},"tensors":[],"x":1}')), 'HEADER_UNKNOWN_KEY');
  assert.strictEqual(code(assemble('{"metadata":{},"tensors":[],"x":1}', [], { minor: 2 })), 'UNSUPPORTED_VERSION');
  assert.strictEqual(code(assemble('{"tensors":[]}')), 'HEADER_MISSING_KEY');
  assert.strictEqual(code(assemble('{"tensors":[]}', [], { minor: 2 })), 'HEADER_MISSING_KEY');
  assert.strictEqual(code(assemble('{"metadata":{}}')), 'HEADER_MISSING_KEY');
  assert.strictEqual(code(assemble('{"metadata":{},"tensors":{}}')), 'HEADER_TYPE');
  assert.strictEqual(code(assemble('{"metadata":[],"tensors":[]}')), 'HEADER_TYPE');
  assert.strictEqual(code(assemble('{"metadata":{},"tensors":[],"training":null}')), 'HEADER_TYPE');
  assert.strictEqual(code(assemble('{"metadata":{},"tensors":[],"extensions":[]}')), 'HEADER_TYPE');
  // unknown before missing before types
  assert.strictEqual(code(assemble('{"tensors":1,"x":1}')), 'HEADER_UNKNOWN_KEY');
  assert.strictEqual(code(assemble('{"tensors":1}')), 'HEADER_MISSING_KEY');
});

test('tensor entries (§7.2 order)', () => {
  const d = (o) => ({ tensors: [T(o)] });
  assert.strictEqual(code(buildFile(d())), 'OK');
  assert.strictEqual(code(mutated(d(), (h) => { h.tensors[0] = []; })), 'HEADER_TYPE');
  assert.strictEqual(code(mutated(d(), (h) => { h.tensors[0].x = 1; })), 'HEADER_UNKNOWN_KEY');
  assert.strictEqual(code(mutated(d(), (h) => { delete h.tensors[0].role; })), 'HEADER_MISSING_KEY');
  assert.strictEqual(code(buildFile(d({ override: { name: 1 } }))), 'HEADER_TYPE');
  assert.strictEqual(code(mutated(d(), (h) => { h.tensors[0].shape = [2.5]; })), 'HEADER_TYPE');
  assert.strictEqual(code(assemble(JSON.stringify(describe(d()).header).replace('"shape":[2]', '"shape":[2.0]'),
    describe(d()).datas)), 'HEADER_TYPE', 'a non-integer-form dimension');
  assert.strictEqual(code(assemble(JSON.stringify(describe(d()).header).replace('"offset":0', '"offset":0e0'),
    describe(d()).datas)), 'HEADER_TYPE');
  assert.strictEqual(code(assemble(JSON.stringify(describe(d()).header).replace('"offset":0', '"offset":-0'),
    describe(d()).datas)), 'OK', '-0 is 0');
  assert.strictEqual(code(buildFile(d({ override: { offset: -64 } }))), 'HEADER_TYPE');
  assert.strictEqual(code(buildFile(d({ override: { length: -8 } }))), 'HEADER_TYPE');
  assert.strictEqual(code(buildFile(d({ override: { sha256: 'A'.repeat(64) } }))), 'HEADER_TYPE');
  assert.strictEqual(code(buildFile(d({ override: { sha256: 'a'.repeat(63) } }))), 'HEADER_TYPE');
  assert.strictEqual(code(buildFile(d({ override: { role: 1 } }))), 'HEADER_TYPE');
  // types before name rules
  assert.strictEqual(code(buildFile(d({ name: '', override: { role: 1 } }))), 'HEADER_TYPE');
  assert.strictEqual(code(buildFile(d({ name: '' }))), 'TENSOR_NAME');
  assert.strictEqual(code(buildFile(d({ name: 'a\u0000' }))), 'TENSOR_NAME');
  assert.strictEqual(code(buildFile(d({ name: 'a\u0085' }))), 'TENSOR_NAME');
  assert.strictEqual(code(buildFile(d({ name: 'a\u007f' }))), 'TENSOR_NAME');
  assert.strictEqual(code(buildFile(d({ name: 'x'.repeat(1024) }))), 'OK');
  assert.strictEqual(code(buildFile(d({ name: 'x'.repeat(1025) }))), 'TENSOR_NAME');
  assert.strictEqual(code(buildFile(d({ name: '\u00e9'.repeat(512) }))), 'OK');
  assert.strictEqual(code(buildFile(d({ name: '\u00e9'.repeat(512) + 'x' }))), 'TENSOR_NAME');
  assert.strictEqual(code(buildFile(d({ override: { dtype: 'float' } }))), 'DTYPE_UNKNOWN');
  assert.strictEqual(code(buildFile(d({ override: { dtype: 'Float32' } }))), 'DTYPE_UNKNOWN');
  assert.strictEqual(code(buildFile(d({ override: { dtype: 'int4' } }), { minor: 3 })), 'UNSUPPORTED_VERSION');
  assert.strictEqual(code(buildFile(d({ role: 'weights' }))), 'ROLE_UNKNOWN');
  assert.strictEqual(code(buildFile(d({ role: 'weights' }), { minor: 2 })), 'UNSUPPORTED_VERSION');
  assert.strictEqual(code(buildFile(d({ override: { shape: Array(17).fill(1) } }))), 'SHAPE_INVALID');
  assert.strictEqual(code(buildFile(d({ shape: Array(16).fill(1), data: Buffer.alloc(4) }))), 'OK');
  assert.strictEqual(code(buildFile(d({ override: { shape: [-2] } }))), 'SHAPE_INVALID');
  assert.strictEqual(code(buildFile(d({ override: { length: 9 } }))), 'TENSOR_LENGTH');
  assert.strictEqual(code(buildFile(d({ override: { shape: [4503599627370496, 4] } }))), 'TENSOR_LENGTH');
  assert.strictEqual(code(buildFile(d({ override: { offset: 1 } }))), 'TENSOR_MISALIGNED');
  assert.strictEqual(code(buildFile(d({ override: { offset: 64 } }))), 'TENSOR_GAP');
  assert.strictEqual(code(buildFile({ tensors: [T(), T({ name: 'v', override: { offset: 0 } })] })), 'TENSOR_OVERLAP');
  assert.strictEqual(code(buildFile({ tensors: [T(), T({ name: 'v', override: { offset: 128 } })] })), 'TENSOR_GAP');
  assert.strictEqual(code(buildFile({ tensors: [T(), T()] })), 'TENSOR_NAME_DUPLICATE');
  assert.strictEqual(code(buildFile({ tensors: [T(), T({ name: 'v', override: { offset: 64 } }), T()] })), 'TENSOR_NAME_DUPLICATE');
  assert.strictEqual(code(buildFile({ tensors: [T(), T({ name: 'v', override: { dtype: 'x' } }), T()] })), 'DTYPE_UNKNOWN',
    'entry i+1 only after entry i passed');
});

test('zero-size and scalar tensors (§7.8)', () => {
  const z = (name) => ({ name, dtype: 'float32', shape: [0, 3] });
  assert.strictEqual(code(buildFile({ tensors: [T(), z('z1'), z('z2')] })), 'OK');
  assert.strictEqual(code(buildFile({ tensors: [z('z1'), T()] })), 'OK');
  assert.strictEqual(code(buildFile({ tensors: [{ name: 's', dtype: 'int64', shape: [] }] })), 'OK');
  assert.strictEqual(code(buildFile({ tensors: [{ name: 's', dtype: 'int64', shape: [], override: { length: 0 } }] })), 'TENSOR_LENGTH');
  // §7.4: the other dimensions of a zero-size tensor multiply to at most 2^53-1 (shape before length)
  const wide = (shape, override) => ({ name: 'z', dtype: 'uint8', shape, data: Buffer.alloc(0), override });
  assert.strictEqual(code(buildFile({ tensors: [wide([6361, 1416003655831, 0])] })), 'OK');
  assert.strictEqual(code(buildFile({ tensors: [wide([2 ** 26, 0, 2 ** 27])] })), 'SHAPE_INVALID');
  assert.strictEqual(code(buildFile({ tensors: [wide([2 ** 26, 0, 2 ** 27], { length: 1 })] })), 'SHAPE_INVALID');
});

test('digests and bool values (phase 5)', () => {
  assert.strictEqual(code(buildFile({ tensors: [T({ override: { sha256: '0'.repeat(64) } })] })), 'DIGEST_MISMATCH');
  assert.strictEqual(code(buildFile({ tensors: [{ name: 'b', dtype: 'bool', shape: [3], data: Buffer.from([0, 1, 2]) }] })), 'BOOL_VALUE');
  assert.strictEqual(code(buildFile({ tensors: [{ name: 'b', dtype: 'bool', shape: [3], data: Buffer.from([0, 1, 1]) }] })), 'OK');
  assert.strictEqual(code(buildFile({ tensors: [{ name: 'b', dtype: 'uint8', shape: [3], data: Buffer.from([0, 1, 2]) }] })), 'OK');
  // the first tensor in table order wins: digest of tensor 0 before bool of tensor 1
  assert.strictEqual(code(buildFile({ tensors: [T({ override: { sha256: '0'.repeat(64) } }),
    { name: 'b', dtype: 'bool', shape: [1], data: Buffer.from([7]) }] })), 'DIGEST_MISMATCH');
});

test('metadata and extensions (§8)', () => {
  assert.strictEqual(code(buildFile({ metadata: { name: 'x', authors: ['a'], tags: [], version: '' } })), 'OK');
  assert.strictEqual(code(buildFile({ metadata: { name: 1 } })), 'METADATA_TYPE');
  assert.strictEqual(code(buildFile({ metadata: { authors: ['a', 1] } })), 'METADATA_TYPE');
  assert.strictEqual(code(buildFile({ metadata: { tags: 'a' } })), 'METADATA_TYPE');
  assert.strictEqual(code(buildFile({ metadata: { Name: 1, other: null } })), 'OK');
  // canonical size: {"a":"..."} is 8 + n bytes
  const n = 1048576 - 8;
  assert.strictEqual(code(buildFile({ metadata: { a: 'x'.repeat(n) } })), 'OK');
  assert.strictEqual(code(buildFile({ metadata: { a: 'x'.repeat(n + 1) } })), 'METADATA_TOO_LARGE');
  // measured on the canonical form: whitespace and escapes in the header do not count
  const spaced = assemble(`{"metadata": {  "a"  :  "${'\\u0078'.repeat(n)}"  }, "tensors": []}`);
  assert.strictEqual(code(spaced), 'OK');
  assert.strictEqual(code(buildFile({ metadata: { a: '\u0001'.repeat(Math.floor(n / 6)) } })), 'OK');
  assert.strictEqual(code(buildFile({ metadata: { a: '\u0001'.repeat(Math.floor(n / 6) + 1) } })), 'METADATA_TOO_LARGE');
  assert.strictEqual(code(buildFile({ metadata: { name: 1, a: 'x'.repeat(n + 1) } })), 'METADATA_TOO_LARGE', 'size first');
  assert.strictEqual(code(buildFile({ extensions: { 'com.example': {}, 'a-b.c1.d': [1] } })), 'OK');
  for (const k of ['com', 'Com.example', 'com..example', '-com.example', 'com-.example', 'com.example.', 'com_x.y', 'é.com']) {
    assert.strictEqual(code(buildFile({ extensions: { [k]: 1 } })), 'EXTENSION_NAME', k);
  }
  assert.strictEqual(code(buildFile({ metadata: { name: 1 }, extensions: { x: 1 } })), 'METADATA_TYPE', 'metadata before extensions');
});

test('tensor count limit (§7.1)', () => {
  const entries = '{"dtype":"float32","length":0,"name":"x","offset":0,"role":"parameter","sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","shape":[0]}';
  const h = `{"metadata":{},"tensors":[${Array(262145).fill('1').join(',')}]}`;
  assert.strictEqual(code(assemble(h)), 'TENSOR_COUNT', 'checked before any entry');
  const h2 = `{"metadata":{},"tensors":[${Array(262144).fill('1').join(',')}]}`;
  assert.strictEqual(code(assemble(h2)), 'HEADER_TYPE');
  assert.ok(entries);
});
