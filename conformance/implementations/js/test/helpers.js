'use strict';
/**
 * Test helpers: build modelfmt files from a description (independently of the reader's modules except
 * for nothing at all: JSON.stringify writes the header), run the CLI, and read a file in-process.
 */

const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { readFile } = require('../reader');
const { ModelfmtError } = require('../errors');

const MAGIC = Buffer.from([0x89, 0x4d, 0x46, 0x54, 0x0d, 0x0a, 0x1a, 0x0a]);
const END_MAGIC = Buffer.from([0x89, 0x4d, 0x46, 0x53, 0x0d, 0x0a, 0x1a, 0x0a]);
const BYTES = { bool: 1, int8: 1, uint8: 1, int16: 2, uint16: 2, float16: 2, bfloat16: 2, int32: 4, uint32: 4,
  float32: 4, int64: 8, uint64: 8, float64: 8, float8_e4m3fn: 1, float8_e5m2: 1 };

const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

/**
 * Assemble a file from a header text and tensor byte buffers (placed by §7.5).
 * @param {string|Buffer} headerText
 * @param {Buffer[]} datas
 * @param {{major?: number, minor?: number, reserved?: number[], padByte?: number, gapByte?: number, L?: bigint}} [o]
 */
function assemble(headerText, datas = [], o = {}) {
  const h = Buffer.isBuffer(headerText) ? headerText : Buffer.from(headerText, 'utf8');
  const pre = Buffer.alloc(24);
  MAGIC.copy(pre);
  pre.writeUInt16LE(o.major ?? 1, 8);
  pre.writeUInt16LE(o.minor ?? 0, 10);
  if (o.reserved) Buffer.from(o.reserved).copy(pre, 12);
  pre.writeBigUInt64LE(o.L ?? BigInt(h.length), 16);
  const P = (64 - ((24 + h.length) % 64)) % 64;
  const parts = [pre, h, Buffer.alloc(P, o.padByte ?? 0)];
  let end = 0;
  for (const d of datas) {
    const off = end + ((64 - (end % 64)) % 64);
    parts.push(Buffer.alloc(off - end, o.gapByte ?? 0), d);
    end = off + d.length;
  }
  return Buffer.concat(parts);
}

/**
 * A header object and data buffers from a description; tensors: [{name, dtype, shape, role, data?}].
 * @returns {{header: object, datas: Buffer[]}}
 */
function describe(d) {
  const entries = [];
  const datas = [];
  let end = 0;
  for (const t of d.tensors || []) {
    const numel = t.shape.reduce((a, b) => a * b, 1);
    const data = t.data || Buffer.alloc(numel * BYTES[t.dtype]);
    const offset = end + ((64 - (end % 64)) % 64);
    entries.push({ name: t.name, dtype: t.dtype, shape: t.shape, offset, length: data.length,
      sha256: sha(data), role: t.role || 'parameter', ...(t.override || {}) });
    datas.push(data);
    end = offset + data.length;
  }
  const header = { tensors: entries, metadata: d.metadata || {} };
  for (const k of ['architecture', 'training', 'extensions']) if (d[k] !== undefined) header[k] = d[k];
  return { header, datas };
}

/** Build a file from a description. */
function buildFile(d, o) {
  const { header, datas } = describe(d);
  return assemble(JSON.stringify(header), datas, o);
}

/** Append a signature block with the given body text. */
function withBlock(file, bodyText) {
  const body = Buffer.from(bodyText, 'utf8');
  const tr = Buffer.alloc(16);
  tr.writeBigUInt64LE(BigInt(body.length));
  END_MAGIC.copy(tr, 8);
  return Buffer.concat([file, body, tr]);
}

let counter = 0;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mfjs-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
/** Write bytes to a temporary file and return its path. */
function tmp(bytes) {
  const p = path.join(dir, `f${counter++}.mf`);
  fs.writeFileSync(p, bytes);
  return p;
}

/**
 * Read bytes in-process: returns 'OK' or the error code.
 * @param {Buffer} bytes
 * @param {object} [options]
 */
function code(bytes, options) {
  try {
    readFile(tmp(bytes), options);
    return 'OK';
  } catch (e) {
    if (e instanceof ModelfmtError) return e.code;
    throw e;
  }
}

module.exports = { assemble, describe, buildFile, withBlock, tmp, code, sha, MAGIC, END_MAGIC };
