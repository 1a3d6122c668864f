'use strict';
/**
 * Validation phase 3 (SPEC.md §13.1): the header value's structure. Steps 1 to 6 are here (header object,
 * tensor table §7, metadata §8.1-8.2, extensions §8.3); steps 7 and 8 are delegated to graph.js and
 * training.js.
 */

const { fail } = require('./errors');
const { isObject, isInt, isString } = require('./json');
const { canonicalLength, sortedKeys } = require('./canonical');
const { isDtype, isRole, tensorLength } = require('./dtypes');
const { REVERSE_DNS, nameDefect, show, checkKeys, zeroSizeExtentDefect } = require('./rules');
const { align64 } = require('./framing');
const { validateArchitecture } = require('./graph');
const { validateTraining } = require('./training');

const MAX_TENSORS = 262144;
const MAX_RANK = 16;
const MAX_METADATA = 1048576;
const SHA256_HEX = /^[0-9a-f]{64}$/;

const HEADER_KEYS = ['tensors', 'metadata', 'architecture', 'training', 'extensions'];
const ENTRY_KEYS = ['name', 'dtype', 'shape', 'offset', 'length', 'sha256', 'role'];

/** Recommended metadata keys (§8.2), in table order: key -> 'string' | 'strings'. */
const RECOMMENDED = [
  ['name', 'string'], ['version', 'string'], ['license', 'string'], ['authors', 'strings'],
  ['description', 'string'], ['source', 'string'], ['tags', 'strings'],
];

/**
 * @typedef {object} Tensor
 * @property {string} name
 * @property {string} dtype
 * @property {number[]} shape
 * @property {bigint} offset
 * @property {bigint} length
 * @property {string} sha256
 * @property {string} role
 */

/**
 * Validate the header value (phase 3).
 * @param {*} header the decoded header value
 * @param {import('./rules').Context} ctx
 * @returns {{tensors: Tensor[], byName: Map<string, Tensor>, dataLength: bigint}}
 */
function validateHeader(header, ctx) {
  // 1. the header value is an object
  if (!isObject(header)) fail('HEADER_TYPE', 'the header value is not a JSON object');
  // 2. top-level keys: unknown, missing, types (§4.8)
  checkKeys(header, HEADER_KEYS, ['tensors', 'metadata'], ctx, 'the header object');
  if (!Array.isArray(header.get('tensors'))) fail('HEADER_TYPE', '"tensors" is not an array');
  if (!isObject(header.get('metadata'))) fail('HEADER_TYPE', '"metadata" is not an object');
  for (const k of ['architecture', 'training', 'extensions']) {
    if (header.has(k) && !isObject(header.get(k))) fail('HEADER_TYPE', `"${k}" is not an object`);
  }
  // 3. tensor count (§7.1)
  const entries = header.get('tensors');
  if (entries.length > MAX_TENSORS) {
    fail('TENSOR_COUNT', `the tensor table has ${entries.length} entries (limit ${MAX_TENSORS})`);
  }
  // 4. each entry, the ten steps of §7.2
  const tensors = [];
  const byName = new Map();
  let prevEnd = 0n;
  for (let i = 0; i < entries.length; i++) {
    const t = checkEntry(entries[i], i, prevEnd, byName, ctx);
    prevEnd = t.offset + t.length;
    tensors.push(t);
    byName.set(t.name, t);
  }
  const dataLength = tensors.length ? prevEnd : 0n;
  // 5. metadata (§8.1, §8.2)
  checkMetadata(header.get('metadata'));
  // 6. extensions (§8.3)
  if (header.has('extensions')) {
    for (const k of sortedKeys(header.get('extensions'))) {
      if (!REVERSE_DNS.test(k)) fail('EXTENSION_NAME', `the extensions key ${show(k)} is not a reverse-DNS name`);
    }
  }
  // 7. architecture (§9)
  if (header.has('architecture')) validateArchitecture(header.get('architecture'), byName, ctx);
  // 8. training (§11)
  if (header.has('training')) validateTraining(header.get('training'), byName, ctx);
  return { tensors, byName, dataLength };
}

/**
 * One tensor entry, in the order of §7.2.
 * @param {*} e
 * @param {number} i index in table order
 * @param {bigint} prevEnd end_{i-1}
 * @param {Map<string, Tensor>} seen entries before this one, by name
 * @param {import('./rules').Context} ctx
 * @returns {Tensor}
 */
function checkEntry(e, i, prevEnd, seen, ctx) {
  const what = `tensor entry ${i}`;
  // 1. an object
  if (!isObject(e)) fail('HEADER_TYPE', `${what} is not an object`);
  // 2. unknown keys, missing keys
  checkKeys(e, ENTRY_KEYS, ENTRY_KEYS, ctx, what);
  // 3. JSON types and forms, in table order
  const name = e.get('name');
  if (!isString(name)) fail('HEADER_TYPE', `${what}: "name" is not a string`);
  const at = () => `tensor ${show(name)}`; // built only for a message
  if (!isString(e.get('dtype'))) fail('HEADER_TYPE', `${at()}: "dtype" is not a string`);
  const shape = e.get('shape');
  if (!Array.isArray(shape)) fail('HEADER_TYPE', `${at()}: "shape" is not an array`);
  for (const d of shape) {
    if (!isInt(d)) fail('HEADER_TYPE', `${at()}: a dimension of "shape" is not an integer-form number`);
  }
  for (const k of ['offset', 'length']) {
    const v = e.get(k);
    if (!isInt(v)) fail('HEADER_TYPE', `${at()}: "${k}" is not an integer-form number`);
    if (v.value < 0) fail('HEADER_TYPE', `${at()}: "${k}" is negative`);
  }
  const sha = e.get('sha256');
  if (!isString(sha) || !SHA256_HEX.test(sha)) {
    fail('HEADER_TYPE', `${at()}: "sha256" is not 64 lowercase hexadecimal digits`);
  }
  if (!isString(e.get('role'))) fail('HEADER_TYPE', `${at()}: "role" is not a string`);
  // 4. name
  const defect = nameDefect(name);
  if (defect) fail('TENSOR_NAME', `tensor entry ${i}: the name ${defect}`);
  // 5. dtype
  const dtype = e.get('dtype');
  if (!isDtype(dtype, ctx.minor)) fail(ctx.unknown('DTYPE_UNKNOWN'), `${at()}: unknown dtype ${show(dtype)}`);
  // 6. role
  const role = e.get('role');
  if (!isRole(role, ctx.minor)) fail(ctx.unknown('ROLE_UNKNOWN'), `${at()}: unknown role ${show(role)}`);
  // 7. shape: rank, then dimensions, then a zero-size shape's extent
  if (shape.length > MAX_RANK) fail('SHAPE_INVALID', `${at()}: rank ${shape.length} exceeds ${MAX_RANK}`);
  for (const d of shape) if (d.value < 0) fail('SHAPE_INVALID', `${at()}: negative dimension ${d.value}`);
  const extentDefect = shape.length > 1 ? zeroSizeExtentDefect(shape.map((d) => d.value)) : null;
  if (extentDefect) fail('SHAPE_INVALID', `${at()}: ${extentDefect}`);
  // 8. length
  const dims = shape.map((d) => BigInt(d.value));
  const length = BigInt(e.get('length').value);
  const expected = tensorLength(dtype, dims);
  if (length !== expected) {
    fail('TENSOR_LENGTH', `${at()}: length ${length} differs from ${expected} computed from dtype and shape`);
  }
  // 9. offset: misaligned, overlap, gap (§7.5)
  const offset = BigInt(e.get('offset').value);
  if (offset % 64n !== 0n) fail('TENSOR_MISALIGNED', `${at()}: offset ${offset} is not a multiple of 64`);
  if (offset < prevEnd) fail('TENSOR_OVERLAP', `${at()}: offset ${offset} is before the previous tensor's end ${prevEnd}`);
  if (offset > align64(prevEnd)) {
    fail('TENSOR_GAP', `${at()}: offset ${offset} is after ${align64(prevEnd)}, the first 64-byte boundary `
      + 'after the previous tensor');
  }
  // 10. name uniqueness
  if (seen.has(name)) fail('TENSOR_NAME_DUPLICATE', `${at()}: the name is used by an earlier entry`);
  return { name, dtype, shape: shape.map((d) => d.value), offset, length, sha256: sha, role };
}

/**
 * §8.1 size, then §8.2 recommended key types.
 * @param {Map<string, *>} metadata
 */
function checkMetadata(metadata) {
  const size = canonicalLength(metadata, MAX_METADATA);
  if (size > MAX_METADATA) {
    fail('METADATA_TOO_LARGE', `the canonical form of "metadata" exceeds ${MAX_METADATA} bytes (format maximum)`);
  }
  for (const [key, type] of RECOMMENDED) {
    if (!metadata.has(key)) continue;
    const v = metadata.get(key);
    const ok = type === 'string' ? isString(v) : Array.isArray(v) && v.every(isString);
    if (!ok) {
      fail('METADATA_TYPE', `metadata "${key}" is not ${type === 'string' ? 'a string' : 'an array of strings'}`);
    }
  }
}

module.exports = { validateHeader };
