'use strict';
/**
 * The dtype registry of SPEC.md §6.1, the roles of §7.7, and the type variables of §10.1, as data.
 */

/**
 * dtype name -> { blockElements, blockBytes, since: [major, minor] }.
 * @type {Map<string, {blockElements: number, blockBytes: number, since: number}>}
 */
const DTYPES = new Map([
  ['bool', 1], ['int8', 1], ['int16', 2], ['int32', 4], ['int64', 8],
  ['uint8', 1], ['uint16', 2], ['uint32', 4], ['uint64', 8],
  ['float16', 2], ['bfloat16', 2], ['float32', 4], ['float64', 8],
  ['float8_e4m3fn', 1], ['float8_e5m2', 1],
].map(([name, bytes]) => [name, { blockElements: 1, blockBytes: bytes, since: 0 }]));

/** role name -> minor version that introduced it (§7.7). */
const ROLES = new Map([['parameter', 0], ['buffer', 0], ['optimizer', 0], ['other', 0]]);

/**
 * Is `name` a dtype defined for a file of minor version `minor`?
 * @param {string} name
 * @param {number} minor
 */
function isDtype(name, minor) {
  const d = DTYPES.get(name);
  return d !== undefined && d.since <= minor;
}

/**
 * Is `name` a role defined for a file of minor version `minor`?
 * @param {string} name
 * @param {number} minor
 */
function isRole(name, minor) {
  const r = ROLES.get(name);
  return r !== undefined && r <= minor;
}

/**
 * Exact byte length of a tensor (§6.2, §7.4).
 * @param {string} dtype a registry name
 * @param {bigint[]} shape
 * @returns {bigint}
 */
function tensorLength(dtype, shape) {
  const d = DTYPES.get(dtype);
  let numel = 1n;
  for (const dim of shape) numel *= dim;
  const be = BigInt(d.blockElements);
  return ((numel + be - 1n) / be) * BigInt(d.blockBytes);
}

/** T: floating dtypes (§10.1). */
const T = new Set(['float16', 'bfloat16', 'float32', 'float64']);
/** I: index dtypes. */
const I = new Set(['int32', 'int64']);
/** N: numeric dtypes. */
const N = new Set([...T, 'int32', 'int64']);
/** V: any value dtype (not the float8 storage formats). */
const V = new Set(['bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', ...T]);

module.exports = { DTYPES, ROLES, isDtype, isRole, tensorLength, T, I, N, V };
