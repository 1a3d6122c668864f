'use strict';
/**
 * The strict JSON of SPEC.md §4.1 to §4.5, parsed from raw bytes.
 *
 * Value model (SPEC.md §4.6):
 * - object: a `Map` from key (a JS string) to value, in document order; keys are unique;
 * - array: a JS array;
 * - string: a JS string (always well-formed UTF-16: unpaired surrogates are rejected);
 * - number: a {@link JNumber}, `isInt` when the token is integer-form (then `value` is the exact integer);
 * - `true`, `false`, `null`: themselves.
 *
 * Errors are {@link JsonError}s whose `kind` is one of `ENCODING`, `SYNTAX`, `DUPLICATE_KEY`, `NUMBER`,
 * `DEPTH`; the caller maps them to its error codes (`HEADER_*` for the header, `SIGNATURE_BLOCK` for a
 * signature body).
 */

const { decimalToDouble } = require('./numbers');

/** A JSON number: its binary64 value and whether the token was integer-form (§1.3). */
class JNumber {
  /**
   * @param {number} value exact integer when `isInt`, else the nearest binary64
   * @param {boolean} isInt
   * @param {string} [text] the token as written in the file (kept for non-integer-form numbers)
   */
  constructor(value, isInt, text) {
    this.value = value;
    this.isInt = isInt;
    this.text = text;
  }
}

/** A defect of the JSON text. */
class JsonError extends Error {
  /**
   * @param {'ENCODING'|'SYNTAX'|'DUPLICATE_KEY'|'NUMBER'|'DEPTH'} kind
   * @param {string} message
   * @param {number} offset byte offset inside the parsed range
   */
  constructor(kind, message, offset) {
    super(message);
    this.kind = kind;
    this.offset = offset;
  }
}

const MAX_SAFE = 9007199254740991;

/**
 * Index of the first byte of an ill-formed UTF-8 sequence in buf[start, end), or -1 (RFC 3629:
 * no overlong form, no surrogate, nothing above U+10FFFF, no truncated sequence).
 * @param {Uint8Array} buf
 * @param {number} start
 * @param {number} end
 * @returns {number}
 */
function findInvalidUtf8(buf, start, end) {
  let i = start;
  while (i < end) {
    const c = buf[i];
    if (c < 0x80) { i++; continue; }
    if (c < 0xc2) return i; // stray continuation byte, or overlong 2-byte lead C0/C1
    if (c < 0xe0) {
      if (i + 1 >= end || (buf[i + 1] & 0xc0) !== 0x80) return i;
      i += 2;
      continue;
    }
    if (c < 0xf0) {
      if (i + 2 >= end) return i;
      const c1 = buf[i + 1];
      if ((c1 & 0xc0) !== 0x80 || (buf[i + 2] & 0xc0) !== 0x80) return i;
      if (c === 0xe0 && c1 < 0xa0) return i; // overlong
      if (c === 0xed && c1 >= 0xa0) return i; // encoded surrogate U+D800..U+DFFF
      i += 3;
      continue;
    }
    if (c < 0xf5) {
      if (i + 3 >= end) return i;
      const c1 = buf[i + 1];
      if ((c1 & 0xc0) !== 0x80 || (buf[i + 2] & 0xc0) !== 0x80 || (buf[i + 3] & 0xc0) !== 0x80) return i;
      if (c === 0xf0 && c1 < 0x90) return i; // overlong
      if (c === 0xf4 && c1 >= 0x90) return i; // above U+10FFFF
      i += 4;
      continue;
    }
    return i; // F5..FF
  }
  return -1;
}

/**
 * Parse strict JSON from bytes.
 * @param {Uint8Array} buf
 * @param {number} [start=0]
 * @param {number} [end=buf.length]
 * @param {{maxDepth?: number}} [options] maxDepth defaults to 64 (§4.5)
 * @returns {*} the value (see the module comment)
 * @throws {JsonError}
 */
function parseJson(buf, start = 0, end = buf.length, options = {}) {
  const maxDepth = options.maxDepth === undefined ? 64 : options.maxDepth;
  // §4.1: encoding first (a header with several phase 2 defects may report any of them, §13.1).
  if (end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) {
    throw new JsonError('ENCODING', 'the text starts with a byte order mark', 0);
  }
  const bad = findInvalidUtf8(buf, start, end);
  if (bad >= 0) throw new JsonError('ENCODING', `ill-formed UTF-8 at byte ${bad - start}`, bad - start);
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const p = new Parser(b, start, end, maxDepth);
  p.skipWs();
  if (p.pos >= end) p.syntax(p.pos === start ? 'empty text' : 'whitespace only');
  const value = p.value(0);
  p.skipWs();
  if (p.pos < end) p.syntax('unexpected data after the value');
  return value;
}

class Parser {
  /**
   * @param {Buffer} buf
   * @param {number} start
   * @param {number} end
   * @param {number} maxDepth
   */
  constructor(buf, start, end, maxDepth) {
    this.buf = buf;
    this.start = start;
    this.pos = start;
    this.end = end;
    this.maxDepth = maxDepth;
  }

  /** @returns {never} */
  syntax(msg, at = this.pos) {
    throw new JsonError('SYNTAX', `${msg} at byte ${at - this.start}`, at - this.start);
  }

  skipWs() {
    const { buf, end } = this;
    let i = this.pos;
    while (i < end) {
      const c = buf[i];
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
    this.pos = i;
  }

  /**
   * @param {number} depth depth of the enclosing container (0 at the root)
   */
  value(depth) {
    const { buf, end } = this;
    if (this.pos >= end) this.syntax('value expected, end of text found');
    const c = buf[this.pos];
    switch (c) {
      case 0x7b: return this.object(depth + 1);
      case 0x5b: return this.array(depth + 1);
      case 0x22: return this.string();
      case 0x74: this.literal('true'); return true;
      case 0x66: this.literal('false'); return false;
      case 0x6e: this.literal('null'); return null;
      case 0x4e: // N
        if (this.startsWith('NaN')) this.nonFinite('NaN');
        break;
      case 0x49: // I
        if (this.startsWith('Infinity')) this.nonFinite('Infinity');
        break;
      case 0x2d: // -
        if (this.startsWith('-Infinity')) this.nonFinite('-Infinity');
        return this.number();
      default:
        if (c >= 0x30 && c <= 0x39) return this.number();
    }
    return this.syntax('value expected');
  }

  /** @param {string} text */
  startsWith(text) {
    if (this.pos + text.length > this.end) return false;
    for (let i = 0; i < text.length; i++) if (this.buf[this.pos + i] !== text.charCodeAt(i)) return false;
    return true;
  }

  /** @param {string} text */
  literal(text) {
    if (!this.startsWith(text)) this.syntax('invalid literal');
    this.pos += text.length;
  }

  /** @returns {never} */
  nonFinite(token) {
    throw new JsonError('NUMBER', `${token} is not a JSON number (byte ${this.pos - this.start})`,
      this.pos - this.start);
  }

  /** @param {number} depth */
  enter(depth) {
    if (depth > this.maxDepth) {
      throw new JsonError('DEPTH', `nesting depth exceeds ${this.maxDepth} at byte ${this.pos - this.start}`,
        this.pos - this.start);
    }
  }

  /** @param {number} depth depth of this object */
  object(depth) {
    this.enter(depth);
    const { buf } = this;
    this.pos++; // {
    const map = new Map();
    this.skipWs();
    if (this.pos < this.end && buf[this.pos] === 0x7d) { this.pos++; return map; }
    for (;;) {
      if (this.pos >= this.end || buf[this.pos] !== 0x22) this.syntax('object key expected');
      const keyAt = this.pos;
      const key = this.string();
      this.skipWs();
      if (this.pos >= this.end || buf[this.pos] !== 0x3a) this.syntax("':' expected");
      this.pos++;
      this.skipWs();
      if (map.has(key)) { // §4.3: compared after unescaping, as code point sequences
        throw new JsonError('DUPLICATE_KEY', `duplicate key ${JSON.stringify(key)} at byte ${keyAt - this.start}`,
          keyAt - this.start);
      }
      map.set(key, this.value(depth));
      this.skipWs();
      if (this.pos >= this.end) this.syntax("',' or '}' expected, end of text found");
      const c = buf[this.pos];
      if (c === 0x2c) { this.pos++; this.skipWs(); continue; }
      if (c === 0x7d) { this.pos++; return map; }
      this.syntax("',' or '}' expected");
    }
  }

  /** @param {number} depth depth of this array */
  array(depth) {
    this.enter(depth);
    const { buf } = this;
    this.pos++; // [
    const arr = [];
    this.skipWs();
    if (this.pos < this.end && buf[this.pos] === 0x5d) { this.pos++; return arr; }
    for (;;) {
      arr.push(this.value(depth));
      this.skipWs();
      if (this.pos >= this.end) this.syntax("',' or ']' expected, end of text found");
      const c = buf[this.pos];
      if (c === 0x2c) { this.pos++; this.skipWs(); continue; }
      if (c === 0x5d) { this.pos++; return arr; }
      this.syntax("',' or ']' expected");
    }
  }

  /** Parse a string token at pos (which is '"'). */
  string() {
    const { buf, end } = this;
    // Fast path: no escape before the closing quote.
    let j = this.pos + 1;
    while (j < end) {
      const c = buf[j];
      if (c === 0x22) {
        const s = this.decode(this.pos + 1, j);
        this.pos = j + 1;
        return s;
      }
      if (c === 0x5c || c < 0x20) break;
      j++;
    }
    return this.escapedString();
  }

  /** Parse a string token at pos that contains an escape or a defect. */
  escapedString() {
    const { buf, end } = this;
    let i = this.pos + 1;
    let runStart = i;
    /** decoded pieces, and the code units of consecutive escapes not yet turned into a piece */
    const pieces = [];
    let units = [];
    const flushUnits = () => {
      if (units.length) { pieces.push(String.fromCharCode.apply(null, units)); units = []; }
    };
    for (;;) {
      if (i >= end) this.syntax('unterminated string', this.pos);
      const c = buf[i];
      if (c === 0x22) {
        if (i > runStart) { flushUnits(); pieces.push(this.decode(runStart, i)); }
        flushUnits();
        this.pos = i + 1;
        return pieces.length === 1 ? pieces[0] : pieces.join('');
      }
      if (c < 0x20) this.syntax('unescaped control character in a string', i);
      if (c !== 0x5c) { i++; continue; }
      if (i > runStart) { flushUnits(); pieces.push(this.decode(runStart, i)); }
      // escape
      if (i + 1 >= end) this.syntax('unterminated escape', i);
      const e = buf[i + 1];
      let u;
      switch (e) {
        case 0x22: u = 0x22; i += 2; break;
        case 0x5c: u = 0x5c; i += 2; break;
        case 0x2f: u = 0x2f; i += 2; break;
        case 0x62: u = 0x08; i += 2; break;
        case 0x66: u = 0x0c; i += 2; break;
        case 0x6e: u = 0x0a; i += 2; break;
        case 0x72: u = 0x0d; i += 2; break;
        case 0x74: u = 0x09; i += 2; break;
        case 0x75: {
          u = this.hex4(i + 2);
          if (u >= 0xd800 && u <= 0xdbff) {
            // A high surrogate escape must be immediately followed by a low surrogate escape (§4.1).
            if (i + 7 < end && buf[i + 6] === 0x5c && buf[i + 7] === 0x75) {
              const lo = this.hex4(i + 8);
              if (lo >= 0xdc00 && lo <= 0xdfff) {
                units.push(u);
                u = lo;
                i += 12;
                break;
              }
            }
            throw new JsonError('ENCODING', `unpaired high surrogate escape at byte ${i - this.start}`,
              i - this.start);
          }
          if (u >= 0xdc00 && u <= 0xdfff) {
            throw new JsonError('ENCODING', `unpaired low surrogate escape at byte ${i - this.start}`,
              i - this.start);
          }
          i += 6;
          break;
        }
        default:
          this.syntax('unknown escape', i);
      }
      units.push(u);
      if (units.length >= 8192) flushUnits();
      runStart = i;
    }
  }

  /** Decode already validated UTF-8 (so no replacement character can appear). */
  decode(a, b) {
    if (b - a <= 24) { // short keys and names: avoid a native call when all ASCII
      let s = '';
      for (let i = a; i < b; i++) {
        const c = this.buf[i];
        if (c >= 0x80) return this.buf.toString('utf8', a, b);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return this.buf.toString('utf8', a, b);
  }

  /** Four hexadecimal digits at position at. */
  hex4(at) {
    if (at + 4 > this.end) this.syntax('truncated \\u escape', at);
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = this.buf[at + k];
      let d;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
      else this.syntax('invalid hexadecimal digit in \\u escape', at + k);
      v = v * 16 + d;
    }
    return v;
  }

  number() {
    const { buf, end } = this;
    const s = this.pos;
    let i = s;
    if (buf[i] === 0x2d) i++;
    if (i >= end) this.syntax('digit expected after -', i);
    if (buf[i] === 0x30) i++;
    else if (buf[i] >= 0x31 && buf[i] <= 0x39) { while (i < end && buf[i] >= 0x30 && buf[i] <= 0x39) i++; }
    else this.syntax('digit expected', i);
    const intEnd = i;
    let isInt = true;
    if (i < end && buf[i] === 0x2e) {
      isInt = false;
      i++;
      const f = i;
      while (i < end && buf[i] >= 0x30 && buf[i] <= 0x39) i++;
      if (i === f) this.syntax('digit expected after the decimal point', i);
    }
    if (i < end && (buf[i] === 0x65 || buf[i] === 0x45)) {
      isInt = false;
      i++;
      if (i < end && (buf[i] === 0x2b || buf[i] === 0x2d)) i++;
      const f = i;
      while (i < end && buf[i] >= 0x30 && buf[i] <= 0x39) i++;
      if (i === f) this.syntax('digit expected in the exponent', i);
    }
    this.pos = i;
    if (isInt) {
      const neg = buf[s] === 0x2d;
      const d0 = neg ? s + 1 : s;
      const nDigits = intEnd - d0;
      let v;
      if (nDigits <= 15) { // exact in binary64 while accumulating
        v = 0;
        for (let k = d0; k < intEnd; k++) v = v * 10 + (buf[k] - 0x30);
        if (neg) v = -v;
      } else {
        // 2^53-1 has 16 digits: a longer integer-form token is out of range (§4.4 note).
        v = nDigits > 16 ? Infinity : Number(latin(buf, s, intEnd));
        if (!(Math.abs(v) <= MAX_SAFE)) {
          const text = latin(buf, s, Math.min(intEnd, s + 40));
          throw new JsonError('NUMBER', `integer ${text}${intEnd - s > 40 ? '...' : ''} is outside `
            + `[-(2^53-1), 2^53-1] (byte ${s - this.start})`, s - this.start);
        }
      }
      return new JNumber(v === 0 ? 0 : v, true); // -0 denotes 0; an integer needs no token text
    }
    const text = latin(buf, s, i);
    const v = decimalToDouble(text);
    if (!Number.isFinite(v)) {
      throw new JsonError('NUMBER', `number ${text.length > 40 ? text.slice(0, 40) + '...' : text} does not `
        + `round to a finite binary64 (byte ${s - this.start})`, s - this.start);
    }
    return new JNumber(v, false, text);
  }
}

/**
 * ASCII bytes to a string, in chunks (no argument-count limit).
 * @param {Uint8Array} buf
 * @param {number} a
 * @param {number} b
 */
function latin(buf, a, b) {
  let out = '';
  for (let i = a; i < b; i += 8192) {
    out += String.fromCharCode.apply(null, buf.subarray(i, Math.min(b, i + 8192)));
  }
  return out;
}

/** @param {*} v */
function isObject(v) { return v instanceof Map; }
/** @param {*} v */
function isNumber(v) { return v instanceof JNumber; }
/** @param {*} v an integer-form number */
function isInt(v) { return v instanceof JNumber && v.isInt; }
/** @param {*} v */
function isString(v) { return typeof v === 'string'; }

module.exports = { parseJson, JNumber, JsonError, findInvalidUtf8, isObject, isNumber, isInt, isString };
