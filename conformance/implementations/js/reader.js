'use strict';
/**
 * The reader: validation phases 1 to 5 of SPEC.md §13.1 (and phase 4s, the signature check of §12.9 steps
 * 2 to 6, when trusted keys are given), over one file read with bounded positional reads.
 */

const crypto = require('crypto');
const { fail } = require('./errors');
const { FileSource } = require('./source');
const { readPreamble, checkLayout } = require('./framing');
const { parseJson, JsonError } = require('./json');
const { validateHeader } = require('./header');
const { Context } = require('./rules');
const { parseSignatureBody, verifyEntries } = require('./signatures');

const CHUNK = 1 << 20;
const JSON_CODES = {
  ENCODING: 'HEADER_ENCODING', SYNTAX: 'HEADER_SYNTAX', DUPLICATE_KEY: 'HEADER_DUPLICATE_KEY',
  NUMBER: 'HEADER_NUMBER', DEPTH: 'HEADER_DEPTH',
};

/**
 * @typedef {object} ReadResult
 * @property {[number, number]} version
 * @property {*} header the decoded header value (json.js model)
 * @property {Array<{name: string, dtype: string, shape: number[], length: bigint, sha256: string, hex: string|null}>} tensors
 * @property {null|{keyId: string, algorithm: string, attributes: Map<string, string>}} signature
 *   the verified signature, when trusted keys were given
 */

/**
 * Read and validate a file.
 * @param {string} path
 * @param {{trusted?: import('./signatures').TrustedKey[]|null, verify?: boolean}} [options]
 *   trusted: keys for phase 4s; verify: phase 5 (on unless turned off; always on with trusted keys)
 * @returns {ReadResult}
 */
function readFile(path, options = {}) {
  const src = new FileSource(path);
  try {
    return readSource(src, options);
  } finally {
    src.close();
  }
}

/**
 * @param {FileSource} src
 * @param {{trusted?: import('./signatures').TrustedKey[]|null, verify?: boolean}} options
 * @returns {ReadResult}
 */
function readSource(src, options) {
  const trusted = options.trusted || null;
  const verify = trusted !== null || options.verify !== false;
  // Phase 1: preamble.
  const { major, minor, L, D } = readPreamble(src);
  // The bytes [0, D) (or up to F when the file is shorter: phase 4 then reports TRUNCATED).
  const headEnd = BigInt(D) <= src.size ? D : Number(src.size);
  const head = src.read(0, headEnd);
  // Phase 2: header JSON.
  let header;
  try {
    header = parseJson(head, 24, 24 + L, { maxDepth: 64 });
  } catch (e) {
    if (e instanceof JsonError) fail(JSON_CODES[e.kind], `header: ${e.message}`);
    throw e;
  }
  // Phase 3: header structure.
  const ctx = new Context(minor);
  const { tensors, dataLength } = validateHeader(header, ctx);
  // Phase 4: file layout and signature block.
  const E = BigInt(D) + dataLength;
  const block = checkLayout(src, E);
  const entries = block ? parseSignatureBody(src.read(block.bodyStart, block.B), ctx) : null;
  // Phase 4s: signatures, over the very bytes [0, D) parsed above.
  let signature = null;
  if (trusted !== null) {
    const P = crypto.createHash('sha256').update(head.subarray(0, D)).digest();
    signature = verifyEntries(entries, P, trusted);
  }
  // Phase 5: content.
  const out = [];
  if (verify) {
    for (let i = 24 + L; i < D; i++) {
      if (head[i] !== 0) fail('PADDING_NOT_ZERO', `header padding byte at offset ${i} is 0x${head[i].toString(16)}`);
    }
  }
  let prevEnd = 0n;
  for (const t of tensors) {
    const start = BigInt(D) + t.offset;
    if (verify && t.offset > prevEnd) {
      const gapStart = BigInt(D) + prevEnd;
      const gap = src.read(gapStart, Number(t.offset - prevEnd));
      const k = gap.findIndex((b) => b !== 0);
      if (k >= 0) {
        fail('PADDING_NOT_ZERO', `gap byte at offset ${gapStart + BigInt(k)} (before tensor ${JSON.stringify(t.name)}) is not 0x00`);
      }
    }
    const hash = crypto.createHash('sha256');
    let badBool = -1n;
    let hex = null;
    const len = t.length;
    for (let pos = 0n; pos < len;) {
      const n = Number(len - pos < BigInt(CHUNK) ? len - pos : BigInt(CHUNK));
      const chunk = src.read(start + pos, n);
      hash.update(chunk);
      if (t.dtype === 'bool' && badBool < 0n) {
        const k = chunk.findIndex((b) => b > 1);
        if (k >= 0) badBool = pos + BigInt(k);
      }
      if (len <= 64n) hex = chunk.toString('hex');
      pos += BigInt(n);
    }
    if (len === 0n) hex = '';
    const digest = hash.digest('hex');
    if (verify) {
      if (digest !== t.sha256) {
        fail('DIGEST_MISMATCH', `tensor ${JSON.stringify(t.name)}: SHA-256 ${digest} differs from the header's ${t.sha256}`);
      }
      if (badBool >= 0n) {
        fail('BOOL_VALUE', `tensor ${JSON.stringify(t.name)}: byte ${badBool} is neither 0x00 nor 0x01`);
      }
    }
    out.push({ name: t.name, dtype: t.dtype, shape: t.shape, length: len, sha256: digest, hex });
    prevEnd = t.offset + t.length;
  }
  return { version: [major, minor], header, tensors: out, signature };
}

module.exports = { readFile };
