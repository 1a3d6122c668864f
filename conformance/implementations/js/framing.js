'use strict';
/**
 * The container framing: the preamble (SPEC.md §3.1, validation phase 1) and the file length and
 * signature block trailer (§3.6 steps 1 to 5, phase 4).
 */

const { fail } = require('./errors');

const MAGIC = Buffer.from([0x89, 0x4d, 0x46, 0x54, 0x0d, 0x0a, 0x1a, 0x0a]);
const END_MAGIC = Buffer.from([0x89, 0x4d, 0x46, 0x53, 0x0d, 0x0a, 0x1a, 0x0a]);
const PREAMBLE = 24;
const MAX_HEADER = 67108864n;
const MAX_BODY = 1048576n;

/**
 * align64(x) of §1.2.
 * @param {bigint} x
 * @returns {bigint}
 */
function align64(x) {
  return x + ((64n - (x % 64n)) % 64n);
}

/**
 * Phase 1 (§3.1): evaluate the preamble in the order of its seven steps.
 * @param {{size: bigint, read: function(bigint|number, number): Buffer}} src
 * @param {{maxHeader?: bigint}} [limits]
 * @returns {{major: number, minor: number, L: number, D: number}}
 */
function readPreamble(src, limits = {}) {
  const F = src.size;
  const maxHeader = limits.maxHeader === undefined ? MAX_HEADER : limits.maxHeader;
  if (F < 8n) {
    const head = src.read(0, Number(F));
    if (head.equals(MAGIC.subarray(0, head.length))) {
      fail('TRUNCATED', `the file is ${F} bytes long, shorter than the 8-byte magic`);
    }
    fail('BAD_MAGIC', 'the file does not start with the modelfmt magic');
  }
  const magic = src.read(0, 8);
  if (!magic.equals(MAGIC)) fail('BAD_MAGIC', 'the file does not start with the modelfmt magic');
  if (F < 24n) fail('TRUNCATED', `the file is ${F} bytes long, shorter than the 24-byte preamble`);
  const pre = src.read(0, PREAMBLE);
  const major = pre.readUInt16LE(8);
  const minor = pre.readUInt16LE(10);
  if (major !== 1) fail('UNSUPPORTED_VERSION', `major version ${major} is not supported (this reader reads 1)`);
  if (pre[12] || pre[13] || pre[14] || pre[15]) fail('RESERVED_NOT_ZERO', 'a reserved preamble byte is not 0x00');
  const L = pre.readBigUInt64LE(16);
  if (L > maxHeader) {
    fail('HEADER_TOO_LARGE', `the header length ${L} exceeds the limit of ${maxHeader} bytes`
      + (maxHeader === MAX_HEADER ? ' (format maximum)' : ' (configured)'));
  }
  if (24n + L > F) {
    fail('TRUNCATED', `the header needs the file to be at least ${24n + L} bytes long; it is ${F}`);
  }
  return { major, minor, L: Number(L), D: Number(align64(24n + L)) };
}

/**
 * Phase 4 (§3.6 steps 1 to 5): the file length against E, and the signature block trailer.
 * @param {{size: bigint, read: function(bigint|number, number): Buffer}} src
 * @param {bigint} E end of the data section
 * @returns {null|{bodyStart: bigint, B: number}} the block body location, or null without a block
 */
function checkLayout(src, E) {
  const F = src.size;
  if (F < E) fail('TRUNCATED', `the data section ends at byte ${E} but the file is ${F} bytes long`);
  if (F === E) return null;
  const T = F - E;
  if (T < 16n) fail('TRAILING_BYTES', `${T} bytes follow the data section (which ends at ${E})`);
  const tail = src.read(F - 16n, 16);
  if (!tail.subarray(8).equals(END_MAGIC)) {
    fail('TRAILING_BYTES', `${T} bytes follow the data section and do not end with the signature block magic`);
  }
  const B = tail.readBigUInt64LE(0);
  if (B !== T - 16n) {
    fail('SIGNATURE_BLOCK', `the signature body length ${B} does not match the ${T - 16n} bytes before the trailer`);
  }
  if (B > MAX_BODY) fail('SIGNATURE_BLOCK', `the signature body length ${B} exceeds the limit of ${MAX_BODY}`);
  return { bodyStart: E, B: Number(B) };
}

module.exports = { readPreamble, checkLayout, align64, MAGIC, END_MAGIC, MAX_HEADER, MAX_BODY };
