'use strict';
/**
 * Exact conversions between decimal text and IEEE 754 binary64 (SPEC.md §4.4, §4.6, §4.7 step 6).
 *
 * - {@link decimalToDouble}: a JSON number token with a fraction or exponent part to the nearest binary64
 *   (round to nearest, ties to even), computed exactly with BigInt; overflow gives ±Infinity. Work is
 *   bounded by the number of digits, never by the exponent's value.
 * - {@link formatDouble}: ECMAScript Number::toString (shortest round-tripping digits, closest, ties to
 *   even), implemented from the definition (free-format algorithm of Burger and Dybvig), so that it can be
 *   tested against the engine's own `String(x)`.
 */

/** Exact powers of ten representable in binary64 (10^0 .. 10^22), written as literals. */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
  1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** Significant digits kept before the rest is folded into a sticky digit (> 767, the longest halfway). */
const MAX_DIGITS = 800;

const TWO52 = 2n ** 52n;
const TWO53 = 2n ** 53n;

/**
 * Number of bits of a positive BigInt.
 * @param {bigint} n
 * @returns {number}
 */
function bitLength(n) {
  const hex = n.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0], 16)));
}

/**
 * q * 2^e as a Number, for 0 <= q < 2^53 and -1074 <= e <= 971 (always exact).
 * @param {bigint} q
 * @param {number} e
 * @returns {number}
 */
function scale2(q, e) {
  let v = Number(q);
  // Split the power so that no intermediate factor under- or overflows.
  while (e > 0) { const s = Math.min(e, 1000); v *= 2 ** s; e -= s; }
  while (e < 0) {
    const s = Math.max(e, -1000);
    // 2 ** -1000 is a normal number; the final multiplication is exact because the result is
    // representable (the caller chose q and e so).
    v *= 2 ** s;
    e -= s;
  }
  return v;
}

/**
 * Round the exact non-negative rational num/den to the nearest binary64 (ties to even).
 * @param {bigint} num
 * @param {bigint} den
 * @returns {number} a finite value, or Infinity on overflow
 */
function roundRational(num, den) {
  if (num === 0n) return 0;
  // Estimate e so that num / den / 2^e lies in [2^52, 2^53).
  let e = bitLength(num) - bitLength(den) - 53;
  let q, r, d;
  for (;;) {
    if (e < -1074) e = -1074;
    let n = num; d = den;
    if (e >= 0) d = den << BigInt(e); else n = num << BigInt(-e);
    q = n / d;
    r = n - q * d;
    if (q >= TWO53) { e += 1; continue; }
    if (q < TWO52 && e > -1074) { e -= 1; continue; }
    break;
  }
  const twice = 2n * r;
  if (twice > d || (twice === d && (q & 1n) === 1n)) {
    q += 1n;
    if (q === TWO53) { q = TWO52; e += 1; }
  }
  if (e > 971) return Infinity;
  return scale2(q, e);
}

/**
 * Nearest binary64 of a JSON number token (grammar of SPEC.md §4.2 already checked).
 * @param {string} token e.g. "-1.5e-7"
 * @returns {number} the value; ±Infinity when it does not round to a finite binary64
 */
function decimalToDouble(token) {
  let i = 0;
  let neg = false;
  if (token.charCodeAt(0) === 0x2d) { neg = true; i = 1; }
  let j = i;
  while (j < token.length && isDigit(token.charCodeAt(j))) j++;
  const intDigits = token.slice(i, j);
  let fracDigits = '';
  if (token.charCodeAt(j) === 0x2e) {
    let k = j + 1;
    while (k < token.length && isDigit(token.charCodeAt(k))) k++;
    fracDigits = token.slice(j + 1, k);
    j = k;
  }
  let exp = 0;
  if (j < token.length) { // exponent part
    j++;
    let expNeg = false;
    const c = token.charCodeAt(j);
    if (c === 0x2b) j++; else if (c === 0x2d) { expNeg = true; j++; }
    for (; j < token.length; j++) {
      exp = exp * 10 + (token.charCodeAt(j) - 0x30);
      if (exp > 1e10) exp = 1e10; // saturate: such an exponent is infinite or zero anyway
    }
    if (expNeg) exp = -exp;
  }
  let digits = intDigits + fracDigits;
  exp -= fracDigits.length;
  let a = 0;
  while (a < digits.length && digits.charCodeAt(a) === 0x30) a++;
  let b = digits.length;
  while (b > a && digits.charCodeAt(b - 1) === 0x30) b--;
  if (a === b) return neg ? -0 : 0;
  exp += digits.length - b;
  digits = digits.slice(a, b);
  const v = positiveDecimal(digits, exp);
  return neg ? -v : v;
}

/**
 * @param {string} digits significant digits, no leading or trailing zeros
 * @param {number} exp decimal exponent: value = digits × 10^exp
 * @returns {number}
 */
function positiveDecimal(digits, exp) {
  const nd = digits.length;
  if (nd - 1 + exp > 308) return Infinity; // >= 1e309
  if (nd + exp < -324) return 0; // < 1e-324, below half the smallest subnormal
  if (nd <= 15 && exp >= -22 && exp <= 22) { // exact operands, one correctly rounded operation
    const m = Number(digits);
    return exp >= 0 ? m * POW10[exp] : m / POW10[-exp];
  }
  if (nd <= 19 && exp >= -60 && exp <= 60) {
    const v = verifiedCandidate(digits, exp);
    if (v !== null) return v;
  }
  return exactDecimal(digits, exp);
}

/**
 * digits × 10^exp rounded exactly with BigInt (no candidate, no shortcut).
 * @param {string} digits significant digits, no leading or trailing zeros
 * @param {number} exp
 * @returns {number}
 */
function exactDecimal(digits, exp) {
  const nd = digits.length;
  if (nd > MAX_DIGITS) {
    // The dropped part is nonzero (trailing zeros were stripped): keep a sticky digit 1.
    exp += nd - MAX_DIGITS - 1;
    digits = digits.slice(0, MAX_DIGITS) + '1';
  }
  const n = BigInt(digits);
  if (exp >= 0) return roundRational(n * 10n ** BigInt(exp), 1n);
  return roundRational(n, 10n ** BigInt(-exp));
}

/**
 * The engine's reading of digits × 10^exp, if it is provably the correctly rounded binary64: the exact
 * value lies strictly inside the rounding interval of the candidate (or on its boundary when the
 * candidate's significand is even). Returns null when that cannot be shown cheaply (zero, subnormal,
 * infinite, a power of two, or a wrong candidate); the caller then computes the result exactly.
 * @param {string} digits
 * @param {number} exp
 * @param {number} [v] the candidate (the engine's reading by default)
 * @returns {number|null}
 */
function verifiedCandidate(digits, exp, v = Number(`${digits}e${exp}`)) {
  if (!(v > 0) || !Number.isFinite(v)) return null;
  CANDIDATE.setFloat64(0, v);
  const hi = CANDIDATE.getUint32(0);
  const be = (hi >>> 20) & 0x7ff;
  const frac = ((hi & 0xfffff) * 4294967296) + CANDIDATE.getUint32(4);
  if (be === 0 || frac === 0) return null;
  const m = BigInt(frac) + TWO52;
  const e = be - 1075; // v = m · 2^e, ulp = 2^e
  const D = BigInt(digits);
  const pos10 = exp >= 0 ? POW10N[exp] : 1n;
  const neg10 = exp < 0 ? POW10N[-exp] : 1n;
  const pos2 = e >= 0 ? 1n << BigInt(e) : 1n;
  const neg2 = e < 0 ? 1n << BigInt(-e) : 1n;
  // Scale d = D·10^exp and v = m·2^e by 10^max(-exp,0)·2^max(-e,0) to integers A and B.
  const A = D * pos10 * neg2;
  const B = m * pos2 * neg10;
  const U = pos2 * neg10; // the ulp, scaled the same way
  let diff = A - B;
  if (diff < 0n) diff = -diff;
  diff *= 2n;
  if (diff < U || (diff === U && (m & 1n) === 0n)) return v;
  return null;
}

const CANDIDATE = new DataView(new ArrayBuffer(8));
const POW10N = Array.from({ length: 61 }, (_, i) => 10n ** BigInt(i));

/** @param {number} c */
function isDigit(c) {
  return c >= 0x30 && c <= 0x39;
}

/**
 * The shortest, closest decimal digits of a positive finite binary64 (ECMA-262 Number::toString
 * step 5: k as small as possible, then closest to x, then even).
 * @param {number} x positive, finite
 * @returns {{digits: string, n: number}} x ≈ 0.digits × 10^n
 */
function shortestDigits(x) {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const be = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  const mant = be === 0 ? frac : frac + TWO52;
  const e = be === 0 ? -1074 : be - 1075;
  const even = (mant & 1n) === 0n;
  let r, s, mp, mm;
  const asym = mant === TWO52 && be > 1;
  if (e >= 0) {
    const pe = 1n << BigInt(e);
    if (!asym) { r = mant * pe * 2n; s = 2n; mp = pe; mm = pe; }
    else { r = mant * pe * 4n; s = 4n; mp = pe * 2n; mm = pe; }
  } else if (!asym) { r = mant * 2n; s = 1n << BigInt(1 - e); mp = 1n; mm = 1n; }
  else { r = mant * 4n; s = 1n << BigInt(2 - e); mp = 2n; mm = 1n; }
  // k: the smallest integer with high <= 10^k (strictly below when the upper bound is excluded).
  let k = Math.ceil(Math.log10(x));
  if (k >= 0) s *= 10n ** BigInt(k);
  else { const p = 10n ** BigInt(-k); r *= p; mp *= p; mm *= p; }
  const fits = () => (even ? r + mp <= s : r + mp < s);
  while (!fits()) { s *= 10n; k += 1; }
  for (;;) { // go down while k - 1 still fits
    const fitsLower = even ? (r + mp) * 10n <= s : (r + mp) * 10n < s;
    if (!fitsLower) break;
    r *= 10n; mp *= 10n; mm *= 10n; k -= 1;
  }
  const out = [];
  for (;;) {
    r *= 10n; mp *= 10n; mm *= 10n;
    let d = Number(r / s);
    r %= s;
    const tc1 = even ? r <= mm : r < mm;
    const tc2 = even ? r + mp >= s : r + mp > s;
    if (!tc1 && !tc2) { out.push(d); continue; }
    if (tc1 && tc2) {
      const twice = 2n * r;
      if (twice > s || (twice === s && d % 2 === 1)) d += 1;
    } else if (tc2) d += 1;
    out.push(d);
    break;
  }
  // Propagate a carry (never expected, kept for safety).
  for (let i = out.length - 1; i > 0 && out[i] === 10; i--) { out[i] = 0; out[i - 1] += 1; }
  if (out[0] === 10) { out[0] = 1; k += 1; }
  let digits = out.join('');
  digits = digits.replace(/0+$/, '');
  return { digits, n: k };
}

/**
 * Fast path of {@link shortestDigits} for values with at most 15 significant digits.
 *
 * A 15-digit decimal d that reads back as x (checked exactly by {@link decimalToDouble}) is the only
 * decimal of at most 15 significant digits that does: the rounding interval of x is at most one ulp
 * wide, less than the spacing 10^(n-15) of 15-digit decimals near x. So d without its trailing zeros is
 * the shortest, and the only candidate of its length. This holds for normal numbers only, and the
 * interval is symmetric except when x is a power of two; the exact algorithm covers the rest.
 * @param {number} x positive, finite
 * @returns {{digits: string, n: number}|null} null when the fast path does not apply
 */
function shortDigits(x) {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  if ((view.getUint32(0) & 0xfffff) === 0 && view.getUint32(4) === 0) return null; // power of two
  if ((view.getUint32(0) & 0x7ff00000) === 0) return null; // subnormal: the interval is wider
  const p = x.toExponential(14); // d.dddddddddddddde±N
  const e = p.indexOf('e');
  const digits = (p[0] + p.slice(2, e)).replace(/0+$/, '');
  const exp = Number(p.slice(e + 1));
  const candidate = `${digits}e${exp - digits.length + 1}`;
  // The engine's parse only filters out candidates quickly; acceptance rests on the exact parse.
  if (Number(candidate) !== x || decimalToDouble(candidate) !== x) return null;
  return { digits, n: exp + 1 };
}

/**
 * ECMAScript Number::toString of a finite binary64 (SPEC.md §4.7 step 6).
 * @param {number} x finite
 * @returns {string}
 */
function formatDouble(x) {
  if (x === 0) return '0';
  if (x < 0) return '-' + formatDouble(-x);
  if (!Number.isFinite(x)) throw new RangeError('not finite');
  if (Number.isInteger(x) && x <= 9007199254740992) return x.toFixed(0); // exact integer digits
  const { digits, n } = shortDigits(x) || shortestDigits(x);
  const k = digits.length;
  if (k <= n && n <= 21) return digits + '0'.repeat(n - k);
  if (0 < n && n <= 21) return digits.slice(0, n) + '.' + digits.slice(n);
  if (-6 < n && n <= 0) return '0.' + '0'.repeat(-n) + digits;
  const e = n - 1;
  const mantissa = k === 1 ? digits : digits[0] + '.' + digits.slice(1);
  return mantissa + 'e' + (e >= 0 ? '+' : '-') + String(Math.abs(e));
}

module.exports = { decimalToDouble, formatDouble, shortestDigits, roundRational, exactDecimal, verifiedCandidate };
