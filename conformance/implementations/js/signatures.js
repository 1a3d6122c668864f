'use strict';
/**
 * Signatures (SPEC.md §12): the structure of the signature block body (§12.3, §12.4; phase 4 step 6 of
 * §3.6), key ids (§12.7), the signed message (§12.5), and the verification of entries (§12.6, §12.9).
 */

const crypto = require('crypto');
const { fail, UsageError } = require('./errors');
const { parseJson, JsonError, isObject, isString } = require('./json');
const { canonicalize, sortedKeys } = require('./canonical');
const { REVERSE_DNS, show } = require('./rules');

const ENTRY_KEYS = ['algorithm', 'key_id', 'signature', 'attributes', 'public_key'];
const ENTRY_REQUIRED = ['algorithm', 'key_id', 'signature', 'attributes'];
const ALGORITHM_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const LOWER_HEX = /^[0-9a-f]+$/;
const KEY_ID = /^[0-9a-f]{64}$/;
const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;
/** signature length in bytes of the registered algorithms (§12.6) */
const SIG_LENGTH = { ed25519: 64, 'ecdsa-p256-sha256': 64 };
const DOMAIN = Buffer.from('modelfmt-signature-v1\0', 'latin1');
/** Ed25519 group order L (RFC 8032). */
const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n;
/** P-256 group order n (§12.6). */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/**
 * §12.4: the excluded code points, as the inclusive ranges of its table. Written out, never taken from
 * `\p{...}` classes: those follow the ICU of the running Node.js, and validity must not depend on it.
 */
const EXCLUDED = [
  [0x0000, 0x001f], [0x007f, 0x009f], // C0, DELETE and C1 controls
  [0x2028, 0x2029], // line and paragraph separators
  [0x061c, 0x061c], [0x200e, 0x200f], [0x202a, 0x202e], [0x2066, 0x2069], // bidirectional controls
  [0x200b, 0x200d], [0x2060, 0x2065], [0xfeff, 0xfeff], // zero-width characters and joiners
  [0x00ad, 0x00ad], [0x034f, 0x034f], [0x115f, 0x1160], [0x17b4, 0x17b5], [0x180b, 0x180f],
  [0x206a, 0x206f], [0x3164, 0x3164], [0xffa0, 0xffa0], // other invisible characters
  [0xfe00, 0xfe0f], [0xe0000, 0xe0fff], // variation selectors and tags
  [0x0600, 0x0605], [0x06dd, 0x06dd], [0x070f, 0x070f], [0x0890, 0x0891], [0x08e2, 0x08e2],
  [0xfff0, 0xfffb], [0x110bd, 0x110bd], [0x110cd, 0x110cd], [0x13430, 0x1343f], [0x1bca0, 0x1bca3],
  [0x1d173, 0x1d17a], // other format characters
  [0xfdd0, 0xfdef], // noncharacters; the last two code points of every plane are tested below
];

/**
 * §12.4: is the code point excluded from attribute values?
 * @param {number} c a code point
 */
function excluded(c) {
  if ((c & 0xfffe) === 0xfffe) return true; // U+nFFFE and U+nFFFF: noncharacters
  return EXCLUDED.some(([first, last]) => c >= first && c <= last);
}

/** @param {string} s `YYYY-MM-DDTHH:MM:SSZ` with a valid date and time (§12.4) */
function validTime(s) {
  const m = TIME.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number);
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  return d <= days;
}

/**
 * Parse and validate the body of a signature block (§3.6 step 6, §12.3). Every failure is
 * SIGNATURE_BLOCK, or UNSUPPORTED_VERSION where §12.3 says so for a newer file.
 * @param {Buffer} body
 * @param {import('./rules').Context} ctx
 * @returns {Array<{algorithm: string, keyId: string, signature: Buffer, attributes: Map<string, string>}>}
 */
function parseSignatureBody(body, ctx) {
  const block = (msg) => fail('SIGNATURE_BLOCK', `signature block: ${msg}`);
  let v;
  try {
    v = parseJson(body, 0, body.length, { maxDepth: 64 });
  } catch (e) {
    if (e instanceof JsonError) block(`the body is not strict JSON (${e.kind}: ${e.message})`);
    throw e;
  }
  if (!isObject(v)) block('the body is not a JSON object');
  for (const k of sortedKeys(v)) {
    if (k !== 'signatures') fail(ctx.unknown('SIGNATURE_BLOCK'), `signature block: unknown body key ${show(k)}`);
  }
  const list = v.get('signatures');
  if (list === undefined) block('the body lacks "signatures"');
  if (!Array.isArray(list)) block('"signatures" is not an array');
  if (list.length < 1 || list.length > 64) block(`"signatures" has ${list.length} entries (1 to 64 allowed)`);
  const seen = new Set();
  let generic = 0;
  return list.map((e, i) => {
    const what = `signature entry ${i}`;
    // 3.1 object, keys, types
    if (!isObject(e)) block(`${what} is not an object`);
    for (const k of sortedKeys(e)) {
      if (!ENTRY_KEYS.includes(k)) fail(ctx.unknown('SIGNATURE_BLOCK'), `signature block: ${what} has the unknown key ${show(k)}`);
    }
    for (const k of ENTRY_REQUIRED) if (!e.has(k)) block(`${what} lacks "${k}"`);
    for (const k of ['algorithm', 'key_id', 'signature']) if (!isString(e.get(k))) block(`${what}: "${k}" is not a string`);
    if (!isObject(e.get('attributes'))) block(`${what}: "attributes" is not an object`);
    if (e.has('public_key') && !isString(e.get('public_key'))) block(`${what}: "public_key" is not a string`);
    const algorithm = e.get('algorithm');
    const keyId = e.get('key_id');
    const sig = e.get('signature');
    // 3.2 algorithm name
    if (algorithm.length < 1 || algorithm.length > 64 || !ALGORITHM_NAME.test(algorithm)) {
      block(`${what}: ${show(algorithm)} is not an algorithm name`);
    }
    // 3.3 key id
    if (!KEY_ID.test(keyId)) block(`${what}: "key_id" is not 64 lowercase hexadecimal digits`);
    // 3.4 signature
    if (!LOWER_HEX.test(sig) || sig.length % 2 !== 0) block(`${what}: "signature" is not lowercase hexadecimal bytes`);
    if (Object.prototype.hasOwnProperty.call(SIG_LENGTH, algorithm)) {
      if (sig.length !== 2 * SIG_LENGTH[algorithm]) {
        block(`${what}: an ${algorithm} signature is ${SIG_LENGTH[algorithm]} bytes, not ${sig.length / 2}`);
      }
    } else if (sig.length > 131072) {
      block(`${what}: the signature is longer than 65536 bytes`);
    }
    // 3.5 attributes (§12.4)
    const attributes = e.get('attributes');
    checkAttributes(attributes, what, ctx);
    // 3.6 public key
    if (e.has('public_key')) {
      const pk = e.get('public_key');
      if (!LOWER_HEX.test(pk) || pk.length % 2 !== 0) block(`${what}: "public_key" is not lowercase hexadecimal bytes`);
      if (pk.length > 8192) block(`${what}: "public_key" is longer than 4096 bytes`);
      const digest = crypto.createHash('sha256').update(Buffer.from(pk, 'hex')).digest('hex');
      if (digest !== keyId) block(`${what}: the SHA-256 of "public_key" is not "key_id"`);
    }
    // 3.7 one entry per key
    if (seen.has(keyId)) block(`${what}: key id ${keyId} already signed in an earlier entry`);
    seen.add(keyId);
    // 3.8 at most 4 entries of algorithms other than those of 1.0 (generic entries: nobody can check them)
    if (!Object.prototype.hasOwnProperty.call(SIG_LENGTH, algorithm) && ++generic > 4) {
      block(`${what}: more than 4 entries of algorithms other than ed25519 and ecdsa-p256-sha256`);
    }
    return { algorithm, keyId, signature: Buffer.from(sig, 'hex'), attributes };
  });
}

/**
 * §12.4: the attributes object of one entry.
 * @param {Map<string, *>} attributes
 * @param {string} what
 * @param {import('./rules').Context} ctx
 */
function checkAttributes(attributes, what, ctx) {
  const block = (msg) => fail('SIGNATURE_BLOCK', `signature block: ${what}: ${msg}`);
  if (attributes.size > 16) block(`${attributes.size} attributes (at most 16)`);
  for (const k of sortedKeys(attributes)) {
    const defined = k === 'signer' || k === 'time' || k === 'comment';
    if (!defined) {
      if (!REVERSE_DNS.test(k)) fail(ctx.unknown('SIGNATURE_BLOCK'), `signature block: ${what}: unknown attribute key ${show(k)}`);
      if (Buffer.byteLength(k, 'utf8') > 128) block(`the attribute key ${show(k)} is longer than 128 bytes`);
    }
    const v = attributes.get(k);
    if (!isString(v)) block(`attribute "${k}" is not a string`);
    const n = Buffer.byteLength(v, 'utf8');
    if (n < 1 || n > 1024) block(`attribute "${k}" is ${n} bytes long (1 to 1024 allowed)`);
    for (const ch of v) {
      if (excluded(ch.codePointAt(0))) block(`attribute "${k}" contains an excluded character`);
    }
    if (k === 'time' && !validTime(v)) block('attribute "time" is not a valid YYYY-MM-DDTHH:MM:SSZ time');
  }
}

/**
 * The signed message M = DOMAIN || P || A (§12.5).
 * @param {Buffer} P SHA-256 of bytes [0, D)
 * @param {Map<string, string>} attributes
 * @returns {Buffer}
 */
function signedMessage(P, attributes) {
  return Buffer.concat([DOMAIN, P, Buffer.from(canonicalize(attributes), 'utf8')]);
}

/**
 * A trusted public key: its algorithm and key id (§12.7).
 * @typedef {{algorithm: string, keyId: string, key: crypto.KeyObject}} TrustedKey
 */

/**
 * Load a trusted key from a PEM SubjectPublicKeyInfo file's contents.
 * @param {string|Buffer} pem
 * @param {string} label for messages
 * @returns {TrustedKey}
 * @throws {UsageError} when it is not a public key of an implemented algorithm
 */
function loadTrustedKey(pem, label) {
  // §12.7: one PEM block per key file (a reader would silently ignore every block after the first).
  if (String(pem).split('-----BEGIN ').length > 2) throw new UsageError(`${label}: holds several PEM blocks`);
  let key;
  try {
    key = crypto.createPublicKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new UsageError(`${label}: not a PEM public key (${e.message})`);
  }
  if (key.type !== 'public') throw new UsageError(`${label}: not a public key`);
  const jwk = key.export({ format: 'jwk' });
  let der;
  let algorithm;
  if (key.asymmetricKeyType === 'ed25519') {
    algorithm = 'ed25519';
    der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(jwk.x, 'base64url')]);
  } else if (key.asymmetricKeyType === 'ec' && jwk.crv === 'P-256') {
    algorithm = 'ecdsa-p256-sha256';
    // SubjectPublicKeyInfo with id-ecPublicKey, prime256v1 and the uncompressed point (91 bytes).
    der = Buffer.concat([
      Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'),
      Buffer.from([0x04]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url'),
    ]);
  } else {
    throw new UsageError(`${label}: a ${key.asymmetricKeyType} key is not of an algorithm this verifier implements`);
  }
  const keyId = crypto.createHash('sha256').update(der).digest('hex');
  return { algorithm, keyId, key };
}

/**
 * Does an entry's signature verify under a trusted key (§12.6)?
 * @param {TrustedKey} k
 * @param {Buffer} M
 * @param {Buffer} sig
 */
function verifyWith(k, M, sig) {
  if (sig.length !== 64) return false;
  if (k.algorithm === 'ed25519') {
    const S = BigInt('0x' + Buffer.from(sig.subarray(32)).reverse().toString('hex'));
    if (S >= ED25519_L) return false; // RFC 8032 §5.1.7
    return crypto.verify(null, M, k.key, sig);
  }
  const r = BigInt('0x' + sig.subarray(0, 32).toString('hex'));
  const s = BigInt('0x' + sig.subarray(32).toString('hex'));
  if (r === 0n || r >= P256_N || s === 0n || s >= P256_N) return false;
  if (s > (P256_N - 1n) / 2n) return false; // low-s only
  return crypto.verify('sha256', M, { key: k.key, dsaEncoding: 'ieee-p1363' }, sig);
}

/**
 * Steps 3 to 6 of §12.9: every entry by a trusted key must verify, and at least one must exist.
 * @param {ReturnType<typeof parseSignatureBody>|null} entries null when the file has no block
 * @param {Buffer} P
 * @param {TrustedKey[]} trusted
 * @returns {{keyId: string, algorithm: string, attributes: Map<string, string>}}
 */
function verifyEntries(entries, P, trusted) {
  if (entries === null) fail('SIGNATURE_MISSING', 'the file has no signature block');
  let first = null;
  let invalid = 0;
  for (const e of entries) {
    const keys = trusted.filter((k) => k.keyId === e.keyId);
    if (keys.length === 0) continue; // not checked
    const k = keys[0];
    if (e.algorithm === k.algorithm && verifyWith(k, signedMessage(P, e.attributes), e.signature)) {
      if (first === null) first = { keyId: e.keyId, algorithm: e.algorithm, attributes: e.attributes };
    } else {
      invalid++;
    }
  }
  // step 5: an invalid entry by a trusted key fails the file, even when another one verifies
  if (invalid > 0) fail('SIGNATURE_INVALID', 'a signature by a trusted key does not verify');
  if (first !== null) return first;
  return fail('SIGNATURE_UNTRUSTED', 'the file is signed only by keys that are not trusted');
}

module.exports = { parseSignatureBody, signedMessage, loadTrustedKey, verifyEntries, validTime, excluded, DOMAIN };
