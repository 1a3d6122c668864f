'use strict';
/**
 * Rules shared by several sections: names (SPEC.md §7.3, §9.4), reverse-DNS names (§8.3), closed objects
 * (§4.8) and the reading of newer minor versions (§15.4).
 */

const { fail } = require('./errors');
const { canonicalString, sortedKeys } = require('./canonical');

/** The highest minor version this reader implements (R of §15.4). */
const READER_MINOR = 1;

/** Reverse-DNS name of §8.3. */
const REVERSE_DNS = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

/**
 * A code point in U+0000..U+001F or U+007F..U+009F (§7.3)?
 * @param {number} c a UTF-16 code unit
 */
function isControl(c) {
  return c <= 0x1f || (c >= 0x7f && c <= 0x9f);
}

/**
 * Why `s` breaks the name rule of §7.3 (1 to 1024 UTF-8 bytes, no C0 or C1 control), or null.
 * @param {string} s
 * @returns {string|null}
 */
function nameDefect(s) {
  const n = Buffer.byteLength(s, 'utf8');
  if (n < 1) return 'is empty';
  if (n > 1024) return `is ${n} bytes long (limit 1024)`;
  for (let i = 0; i < s.length; i++) {
    if (isControl(s.charCodeAt(i))) {
      return `contains the control character U+${s.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`;
    }
  }
  return null;
}

/**
 * A printable rendering of a string from the file for messages (escaped, shortened).
 * @param {string} s
 */
function show(s) {
  const c = canonicalString(String(s)).replace(/[\u007f-\u009f\u2028-\u202e\u2066-\u2069]/g,
    (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
  return c.length > 80 ? c.slice(0, 77) + '..."' : c;
}

/** Reading context: the file's minor version. */
class Context {
  /** @param {number} minor */
  constructor(minor) {
    this.minor = minor;
    /** a file of a newer minor version than this reader (§15.4) */
    this.newer = minor > READER_MINOR;
  }

  /**
   * The code for something unknown: `UNSUPPORTED_VERSION` in a newer file, else `code` (§15.4).
   * @param {string} code
   */
  unknown(code) {
    return this.newer ? 'UNSUPPORTED_VERSION' : code;
  }
}

/**
 * Unknown keys, then missing keys, of a closed object (§4.8).
 * @param {Map<string, *>} obj
 * @param {string[]} allowed every permitted key
 * @param {string[]} required the required keys, in table order
 * @param {Context} ctx
 * @param {string} what for messages
 * @param {{unknownCode?: string, missingCode?: string}} [codes] codes other than HEADER_UNKNOWN_KEY / HEADER_MISSING_KEY
 */
function checkKeys(obj, allowed, required, ctx, what, codes = {}) {
  const allowedSet = new Set(allowed);
  for (const k of sortedKeys(obj)) {
    if (!allowedSet.has(k)) {
      fail(ctx.unknown(codes.unknownCode || 'HEADER_UNKNOWN_KEY'), `${what} has the unknown key ${show(k)}`);
    }
  }
  for (const k of required) {
    if (!obj.has(k)) fail(codes.missingCode || 'HEADER_MISSING_KEY', `${what} lacks the required key "${k}"`);
  }
}

/** The largest extent of a zero-size shape (§7.4): 2^53-1, the most elements any tensor can hold. */
const MAX_EXTENT = 2n ** 53n - 1n;

/**
 * §7.4: a zero-size shape's extent (its dimensions multiplied, each 0 counted as 1) is at most 2^53-1.
 * @param {number[]} dims integer dimensions, each in 0..2^53-1
 * @returns {string|null} what is wrong, or null
 */
function zeroSizeExtentDefect(dims) {
  if (dims.length < 2 || !dims.includes(0)) return null;
  let extent = 1n;
  for (const d of dims) if (d !== 0) extent *= BigInt(d);
  return extent > MAX_EXTENT ? `zero-size shape whose other dimensions multiply to ${extent}, beyond 2^53-1` : null;
}

module.exports = {
  READER_MINOR, REVERSE_DNS, isControl, nameDefect, show, Context, checkKeys, zeroSizeExtentDefect,
};
