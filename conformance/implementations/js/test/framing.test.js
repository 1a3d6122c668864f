'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { assemble, buildFile, withBlock, code, MAGIC, END_MAGIC } = require('./helpers');

const tiny = () => buildFile({ tensors: [{ name: 'w', dtype: 'float32', shape: [2], data: Buffer.from('0000803f000000c0', 'hex') }],
  metadata: { name: 'tiny' } });

test('preamble, §3.1 order', () => {
  assert.strictEqual(code(Buffer.alloc(0)), 'TRUNCATED');
  assert.strictEqual(code(MAGIC.subarray(0, 5)), 'TRUNCATED');
  assert.strictEqual(code(Buffer.from([0x89, 0x4d, 0x46, 0x00])), 'BAD_MAGIC');
  assert.strictEqual(code(Buffer.from('PK\u0003\u0004')), 'BAD_MAGIC');
  assert.strictEqual(code(MAGIC), 'TRUNCATED');
  assert.strictEqual(code(Buffer.concat([MAGIC, Buffer.alloc(15)])), 'TRUNCATED');
  const f = tiny();
  const dos = Buffer.concat([f.subarray(0, 4), Buffer.from([0x0d, 0x0d, 0x0a]), f.subarray(6)]);
  assert.strictEqual(code(dos), 'BAD_MAGIC');
  assert.strictEqual(code(assemble('{}', [], { major: 2 })), 'UNSUPPORTED_VERSION');
  assert.strictEqual(code(assemble('{}', [], { major: 0, reserved: [1] })), 'UNSUPPORTED_VERSION');
  assert.strictEqual(code(assemble('{}', [], { reserved: [0, 0, 0, 1] })), 'RESERVED_NOT_ZERO');
  assert.strictEqual(code(assemble('{}', [], { L: 67108865n })), 'HEADER_TOO_LARGE');
  assert.strictEqual(code(assemble('{}', [], { L: 2n ** 64n - 1n })), 'HEADER_TOO_LARGE');
  assert.strictEqual(code(assemble('{}', [], { L: 67108864n })), 'TRUNCATED', 'at the limit: truncated, not too large');
  assert.strictEqual(code(assemble('{}', [], { L: 3n }).subarray(0, 26)), 'TRUNCATED', '24 + L > F');
  // a short file with an intact preamble is TRUNCATED, never a JSON error
  assert.strictEqual(code(f.subarray(0, 30)), 'TRUNCATED');
  // minor versions are accepted
  assert.strictEqual(code(assemble('{"metadata":{},"tensors":[]}', [], { minor: 7 })), 'OK');
});

test('file length and signature block framing, §3.6', () => {
  const f = tiny();
  assert.strictEqual(code(f), 'OK');
  assert.strictEqual(code(f.subarray(0, f.length - 1)), 'TRUNCATED');
  assert.strictEqual(code(Buffer.concat([f, Buffer.alloc(1)])), 'TRAILING_BYTES');
  assert.strictEqual(code(Buffer.concat([f, Buffer.alloc(15)])), 'TRAILING_BYTES');
  assert.strictEqual(code(Buffer.concat([f, Buffer.alloc(16)])), 'TRAILING_BYTES');
  assert.strictEqual(code(Buffer.concat([f, Buffer.alloc(8), END_MAGIC])), 'SIGNATURE_BLOCK', 'B = 0: empty body');
  const tr = Buffer.alloc(8);
  tr.writeBigUInt64LE(5n);
  assert.strictEqual(code(Buffer.concat([f, Buffer.from('{}'), tr, END_MAGIC])), 'SIGNATURE_BLOCK', 'B mismatch');
  tr.writeBigUInt64LE(2n ** 64n - 1n);
  assert.strictEqual(code(Buffer.concat([f, Buffer.from('{}'), tr, END_MAGIC])), 'SIGNATURE_BLOCK');
  const big = '{"signatures":[' + ' '.repeat(1048577) + ']}';
  assert.strictEqual(code(withBlock(f, big)), 'SIGNATURE_BLOCK', 'B above 1 MiB');
  // a block inside another block's place: the outer body is not JSON
  const inner = withBlock(Buffer.alloc(0), '{"signatures":[]}');
  assert.strictEqual(code(withBlock(Buffer.concat([f, inner]).subarray(0, f.length), inner.toString('latin1'))), 'SIGNATURE_BLOCK');
  // zero-size data section followed by a lone end magic
  const empty = assemble('{"metadata":{},"tensors":[]}');
  assert.strictEqual(code(Buffer.concat([empty, END_MAGIC])), 'TRAILING_BYTES');
});

test('padding and gaps, phase 5', () => {
  const d = { tensors: [{ name: 'a', dtype: 'uint8', shape: [3], data: Buffer.from([1, 2, 3]) },
    { name: 'b', dtype: 'uint8', shape: [1], data: Buffer.from([4]) }], metadata: {} };
  assert.strictEqual(code(buildFile(d)), 'OK');
  assert.strictEqual(code(buildFile(d, { padByte: 1 })), 'PADDING_NOT_ZERO');
  assert.strictEqual(code(buildFile(d, { gapByte: 1 })), 'PADDING_NOT_ZERO');
  assert.strictEqual(code(buildFile(d, { gapByte: 1 }), { verify: false }), 'OK');
});
