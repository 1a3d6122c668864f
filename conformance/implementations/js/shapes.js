'use strict';
/**
 * Dimension algebra for the shape inference of SPEC.md §9.10 and the rules of §10.1.
 *
 * A dimension is a known integer (`number`), a symbol (`string`), or unknown (`null`). Comparisons are
 * strict only where the answer is certain: two known integers. A rule that produces a dimension from
 * symbolic inputs yields the symbol when the result is certainly that symbol, otherwise unknown.
 */

const MAX_SAFE = 9007199254740991n;

/** @typedef {number|string|null} Dim */

/** @param {Dim} d */
function known(d) {
  return typeof d === 'number';
}

/**
 * Do two dimensions certainly differ? (Both known integers and unequal.)
 * @param {Dim} a
 * @param {Dim} b
 */
function differ(a, b) {
  return known(a) && known(b) && a !== b;
}

/**
 * A known integer result (BigInt) as a dimension: beyond 2^53-1 it cannot be compared with any declared
 * size, and it is kept as unknown.
 * @param {bigint} v
 * @returns {Dim}
 */
function fromBig(v) {
  return v >= 0n && v <= MAX_SAFE ? Number(v) : null;
}

/**
 * The product of dimensions: an integer when all are known, the symbol when exactly one is a symbol and
 * every other is 1, otherwise unknown.
 * @param {Dim[]} dims
 * @returns {Dim}
 */
function product(dims) {
  let p = 1n;
  let sym = null;
  let symbolic = false;
  for (const d of dims) {
    if (known(d)) p *= BigInt(d);
    else if (typeof d === 'string' && sym === null && !symbolic) { sym = d; symbolic = true; }
    else return null; // unknown, or a second symbol
  }
  if (!symbolic) return fromBig(p);
  return p === 1n ? sym : null;
}

/**
 * The sum of dimensions (Concat): an integer when all are known, the symbol when exactly one is a symbol
 * and every other is 0, otherwise unknown.
 * @param {Dim[]} dims
 * @returns {Dim}
 */
function sum(dims) {
  let s = 0n;
  let sym = null;
  for (const d of dims) {
    if (known(d)) s += BigInt(d);
    else if (typeof d === 'string' && sym === null) sym = d;
    else return null;
  }
  if (sym === null) return fromBig(s);
  return s === 0n ? sym : null;
}

/**
 * Broadcast two dimensions (numpy, §10.1). Returns undefined when they certainly cannot broadcast.
 * @param {Dim} a
 * @param {Dim} b
 * @returns {Dim|undefined}
 */
function broadcastDim(a, b) {
  if (a === 1) return b;
  if (b === 1) return a;
  if (known(a) && known(b)) return a === b ? a : undefined;
  if (typeof a === 'string' && a === b) return a;
  return null;
}

/**
 * Broadcast two shapes; undefined when they certainly cannot broadcast.
 * @param {Dim[]} sa
 * @param {Dim[]} sb
 * @returns {Dim[]|undefined}
 */
function broadcastShapes(sa, sb) {
  const r = Math.max(sa.length, sb.length);
  const out = [];
  for (let i = 0; i < r; i++) {
    const a = i < r - sa.length ? 1 : sa[i - (r - sa.length)];
    const b = i < r - sb.length ? 1 : sb[i - (r - sb.length)];
    const d = broadcastDim(a, b);
    if (d === undefined) return undefined;
    out.push(d);
  }
  return out;
}

/**
 * Output length of a sliding window (§10.1), or undefined when the window does not fit.
 * @param {Dim} L input length
 * @param {number} k kernel
 * @param {number} s stride
 * @param {number} p padding
 * @param {number} d dilation
 * @param {boolean} ceil ceil_mode
 * @returns {Dim|undefined}
 */
function windowOut(L, k, s, p, d, ceil) {
  if (!known(L)) return null;
  const Lb = BigInt(L);
  const sb = BigInt(s);
  const pb = BigInt(p);
  const span = Lb + 2n * pb - BigInt(d) * (BigInt(k) - 1n) - 1n;
  if (span < 0n) return undefined;
  let out;
  if (!ceil) out = span / sb + 1n;
  else {
    out = (span + sb - 1n) / sb + 1n;
    if ((out - 1n) * sb >= Lb + pb) out -= 1n;
  }
  return fromBig(out);
}

/**
 * Product of all dimensions as a monomial: integer coefficient, sorted symbols, and whether an unknown
 * dimension takes part.
 * @param {Dim[]} dims
 * @returns {{coef: bigint, syms: string[], unknown: boolean}}
 */
function monomial(dims) {
  let coef = 1n;
  const syms = [];
  let unknown = false;
  for (const d of dims) {
    if (known(d)) coef *= BigInt(d);
    else if (typeof d === 'string') syms.push(d);
    else unknown = true;
  }
  syms.sort();
  return { coef, syms, unknown };
}

module.exports = { known, differ, product, sum, broadcastDim, broadcastShapes, windowOut, monomial, fromBig };
