'use strict';
/**
 * The canonical form of SPEC.md §4.7 (RFC 8785, JSON Canonicalization Scheme) of a value of the model
 * of json.js: no whitespace, minimal string escapes, members sorted by UTF-16 code units, numbers by
 * ECMAScript Number::toString.
 */

const { JNumber } = require('./json');
const { formatDouble } = require('./numbers');

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/**
 * Canonical form of a string, quotes included.
 * @param {string} s
 * @returns {string}
 */
function canonicalString(s) {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  const chunks = [];
  let parts = ['"'];
  let run = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    if (parts.length >= 8192) { chunks.push(parts.join('')); parts = []; }
    if (i > run) parts.push(s.slice(run, i));
    run = i + 1;
    switch (c) {
      case 0x08: parts.push('\\b'); break;
      case 0x09: parts.push('\\t'); break;
      case 0x0a: parts.push('\\n'); break;
      case 0x0c: parts.push('\\f'); break;
      case 0x0d: parts.push('\\r'); break;
      case 0x22: parts.push('\\"'); break;
      case 0x5c: parts.push('\\\\'); break;
      default: parts.push('\\u00' + c.toString(16).padStart(2, '0'));
    }
  }
  if (s.length > run) parts.push(s.slice(run));
  parts.push('"');
  chunks.push(parts.join(''));
  return chunks.join('');
}

/**
 * Canonical form of a number.
 * @param {JNumber|number} n
 * @returns {string}
 */
function canonicalNumber(n) {
  const v = n instanceof JNumber ? n.value : n;
  return formatDouble(v);
}

/**
 * Member keys in canonical order: UTF-16 code units, element by element, shorter prefix first.
 * (JavaScript's default string comparison is exactly this.)
 * @param {Map<string, *>} map
 * @returns {string[]}
 */
function sortedKeys(map) {
  return Array.from(map.keys()).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Serialize a value in canonical form, as parts appended to `out`.
 * @param {*} v
 * @param {{push: function(string, string=): *}} out
 * @param {function(JNumber|number): string} number how numbers are written
 */
function emit(v, out, number) {
  if (v === null) out.push('null');
  else if (v === true) out.push('true');
  else if (v === false) out.push('false');
  else if (typeof v === 'string') out.push(canonicalString(v));
  else if (v instanceof JNumber || typeof v === 'number') out.push(number(v));
  else if (Array.isArray(v)) {
    out.push('[');
    for (let i = 0; i < v.length; i++) {
      if (i) out.push(',');
      emit(v[i], out, number);
    }
    out.push(']');
  } else if (v instanceof Map) {
    out.push('{');
    let first = true;
    for (const k of sortedKeys(v)) {
      if (!first) out.push(',');
      first = false;
      out.push(canonicalString(k), ':');
      emit(v.get(k), out, number);
    }
    out.push('}');
  } else {
    throw new TypeError('not a JSON value');
  }
}

/**
 * The canonical form as a string.
 * @param {*} v
 * @returns {string}
 */
function canonicalize(v) {
  const out = [];
  emit(v, out, canonicalNumber);
  return out.join('');
}

/**
 * JSON text of a value that denotes the same value as its canonical form: canonical, except that each
 * number parsed from a file is written as its original token (which denotes the same binary64 value or
 * exact integer, §4.6). Used for result documents, where only the value matters; it avoids formatting
 * millions of numbers.
 * @param {*} v
 * @returns {string}
 */
function serializeValue(v) {
  return serializeChunks(v).join('');
}

/**
 * {@link serializeValue} as a list of string chunks (bounded temporary memory for large values).
 * @param {*} v
 * @returns {string[]}
 */
function serializeChunks(v) {
  const chunks = [];
  let parts = [];
  const out = {
    push(a, b) {
      parts.push(a);
      if (b !== undefined) parts.push(b);
      if (parts.length >= 16384) { chunks.push(parts.join('')); parts = []; }
    },
  };
  emit(v, out, (n) => (n instanceof JNumber && n.text !== undefined ? n.text : canonicalNumber(n)));
  chunks.push(parts.join(''));
  return chunks;
}

/**
 * The UTF-8 byte length of the canonical form, or a number > limit as soon as it is known to exceed
 * `limit` (so that a huge value costs no more than the limit).
 * @param {*} v
 * @param {number} limit
 * @returns {number}
 */
function canonicalLength(v, limit) {
  let total = 0;
  const walk = (x) => {
    if (total > limit) return;
    if (x === null || x === true) total += 4;
    else if (x === false) total += 5;
    else if (typeof x === 'string') total += Buffer.byteLength(canonicalString(x), 'utf8');
    else if (x instanceof JNumber || typeof x === 'number') total += canonicalNumber(x).length;
    else if (Array.isArray(x)) {
      total += 2 + Math.max(0, x.length - 1);
      for (const e of x) { walk(e); if (total > limit) return; }
    } else if (x instanceof Map) {
      total += 2 + Math.max(0, x.size - 1);
      for (const [k, e] of x) {
        total += Buffer.byteLength(canonicalString(k), 'utf8') + 1;
        walk(e);
        if (total > limit) return;
      }
    } else throw new TypeError('not a JSON value');
  };
  walk(v);
  return total;
}

module.exports = { canonicalize, serializeValue, serializeChunks, canonicalLength, canonicalString, canonicalNumber, sortedKeys };
