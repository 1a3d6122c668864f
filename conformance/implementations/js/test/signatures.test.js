'use strict';
const test = require('node:test');
const assert = require('node:assert');
const crypto = require('crypto');
const { buildFile, withBlock, code, tmp } = require('./helpers');
const { loadTrustedKey, validTime } = require('../signatures');
const { canonicalize } = require('../canonical');
const { parseJson } = require('../json');

const RFC8032_SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const edPriv = crypto.createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'),
  Buffer.from(RFC8032_SEED, 'hex')]), format: 'der', type: 'pkcs8' });
const edPem = crypto.createPublicKey(edPriv).export({ type: 'spki', format: 'pem' });
const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ecPem = ec.publicKey.export({ type: 'spki', format: 'pem' });
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const base = buildFile({ tensors: [{ name: 'w', dtype: 'float32', shape: [2] }], metadata: { name: 'x' } });
const L = base.readUInt32LE(16);
const D = 24 + L + ((64 - ((24 + L) % 64)) % 64);
const keyId = (pub) => crypto.createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex');

/** a signature entry by a private key */
function entry(priv, attributes = {}, o = {}) {
  const P = crypto.createHash('sha256').update(base.subarray(0, D)).digest();
  const A = canonicalize(parseJson(Buffer.from(JSON.stringify(attributes))));
  const M = Buffer.concat([Buffer.from('modelfmt-signature-v1\0', 'latin1'), P, Buffer.from(A)]);
  const pub = crypto.createPublicKey(priv);
  let sig;
  if (pub.asymmetricKeyType === 'ed25519') sig = crypto.sign(null, M, priv);
  else {
    sig = crypto.sign('sha256', M, { key: priv, dsaEncoding: 'ieee-p1363' });
    let s = BigInt('0x' + sig.subarray(32).toString('hex'));
    const low = s <= (N - 1n) / 2n;
    if (Boolean(o.highS) === low) s = N - s;
    sig = Buffer.concat([sig.subarray(0, 32), Buffer.from(s.toString(16).padStart(64, '0'), 'hex')]);
  }
  const e = { algorithm: o.algorithm || (pub.asymmetricKeyType === 'ed25519' ? 'ed25519' : 'ecdsa-p256-sha256'),
    key_id: keyId(pub), signature: sig.toString('hex'), attributes };
  if (o.publicKey) e.public_key = pub.export({ type: 'spki', format: 'der' }).toString('hex');
  return Object.assign(e, o.override || {});
}
const signed = (entries) => withBlock(base, JSON.stringify({ signatures: entries }));
const verify = (bytes, pems) => code(bytes, { trusted: pems.map((p, i) => loadTrustedKey(p, `key ${i}`)) });

test('the file used here has D a multiple of 64', () => {
  assert.strictEqual(D % 64, 0);
});

test('key ids (§12.7)', () => {
  assert.strictEqual(loadTrustedKey(edPem, 'ed').keyId, '06e3fd8fda29bb60ab59557de61edb0aecdb231134be30e75b455f8e1b792fa9');
  assert.strictEqual(loadTrustedKey(ecPem, 'ec').keyId, keyId(ec.publicKey));
  // a compressed point gives the id of the uncompressed form
  const jwk = ec.publicKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x, 'base64url');
  const y = Buffer.from(jwk.y, 'base64url');
  const compressed = Buffer.concat([Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
    Buffer.from([2 + (y[31] & 1)]), x]);
  const pem = `-----BEGIN PUBLIC KEY-----\n${compressed.toString('base64')}\n-----END PUBLIC KEY-----\n`;
  assert.strictEqual(loadTrustedKey(pem, 'c').keyId, keyId(ec.publicKey));
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' });
  assert.throws(() => loadTrustedKey(rsa, 'rsa'), /not of an algorithm/);
});

test('verification outcomes (§12.9)', () => {
  const good = signed([entry(edPriv, { signer: 'me', time: '2024-02-29T23:59:59Z' }, { publicKey: true })]);
  assert.strictEqual(code(good), 'OK');
  assert.strictEqual(verify(good, [edPem]), 'OK');
  assert.strictEqual(verify(good, [ecPem]), 'SIGNATURE_UNTRUSTED');
  assert.strictEqual(verify(base, [edPem]), 'SIGNATURE_MISSING');
  assert.strictEqual(verify(signed([entry(ec.privateKey)]), [ecPem]), 'OK');
  assert.strictEqual(verify(signed([entry(ec.privateKey, {}, { highS: true })]), [ecPem]), 'SIGNATURE_INVALID', 'high s');
  assert.strictEqual(code(signed([entry(ec.privateKey, {}, { highS: true })])), 'OK', 'the form is valid');
  const tampered = entry(edPriv);
  tampered.signature = (tampered.signature[0] === '0' ? '1' : '0') + tampered.signature.slice(1);
  assert.strictEqual(verify(signed([tampered]), [edPem]), 'SIGNATURE_INVALID');
  // S >= L is rejected
  const e = entry(edPriv);
  const sig = Buffer.from(e.signature, 'hex');
  let S = BigInt('0x' + Buffer.from(sig.subarray(32)).reverse().toString('hex'));
  S += 2n ** 252n + 27742317777372353535851937790883648493n;
  const sBytes = Buffer.from(S.toString(16).padStart(64, '0'), 'hex').reverse();
  e.signature = Buffer.concat([sig.subarray(0, 32), sBytes]).toString('hex');
  assert.strictEqual(verify(signed([e]), [edPem]), 'SIGNATURE_INVALID');
  // an entry relabelled to an unknown algorithm is invalid when its key is trusted
  assert.strictEqual(verify(signed([entry(edPriv, {}, { algorithm: 'ed448' })]), [edPem]), 'SIGNATURE_INVALID');
  assert.strictEqual(verify(signed([entry(edPriv, {}, { algorithm: 'ecdsa-p256-sha256' })]), [edPem]), 'SIGNATURE_INVALID');
  // an unknown entry before a valid one
  const unknown = { algorithm: 'ml-dsa-65', key_id: 'ab'.repeat(32), signature: '00'.repeat(3309), attributes: {} };
  assert.strictEqual(verify(signed([unknown, entry(edPriv)]), [edPem]), 'OK');
  assert.strictEqual(verify(signed([unknown]), [edPem]), 'SIGNATURE_UNTRUSTED');
  // an invalid entry by a trusted key fails the file, before or after a valid one (a tampered co-signer)
  assert.strictEqual(verify(signed([tampered, entry(ec.privateKey)]), [edPem, ecPem]), 'SIGNATURE_INVALID');
  assert.strictEqual(verify(signed([entry(ec.privateKey), tampered]), [edPem, ecPem]), 'SIGNATURE_INVALID');
  assert.strictEqual(verify(signed([tampered, entry(ec.privateKey)]), [ecPem]), 'OK', 'untrusted entries are not checked');
  // attributes are signed
  const edited = entry(edPriv, { signer: 'a' });
  edited.attributes = { signer: 'b' };
  assert.strictEqual(verify(signed([edited]), [edPem]), 'SIGNATURE_INVALID');
  // any encoding of the body is accepted
  const spaced = withBlock(base, ` { "signatures" : [ ${JSON.stringify(entry(edPriv, { comment: 'a/b' }))} ] } `.replace('a/b', 'a\\/b'));
  assert.strictEqual(verify(spaced, [edPem]), 'OK');
  // phase 5 after the signature: a damaged tensor in a signed file
  const damaged = Buffer.from(good);
  damaged[D] ^= 1;
  assert.strictEqual(verify(damaged, [edPem]), 'DIGEST_MISMATCH');
  // the header is covered
  const hdr = Buffer.from(good);
  hdr[hdr.indexOf('"metadata":{"name":"x"}') + 20] = 0x79; // "x" -> "y"
  assert.strictEqual(code(hdr), 'OK');
  assert.strictEqual(verify(hdr, [edPem]), 'SIGNATURE_INVALID');
});

test('body structure (§12.3, §12.4)', () => {
  const ok = entry(edPriv);
  const bad = (o) => code(signed([{ ...ok, ...o }]));
  assert.strictEqual(code(signed([ok])), 'OK');
  assert.strictEqual(code(withBlock(base, '[]')), 'SIGNATURE_BLOCK');
  assert.strictEqual(code(withBlock(base, '{"signatures":[]}')), 'SIGNATURE_BLOCK');
  assert.strictEqual(code(withBlock(base, JSON.stringify({ signatures: [ok], x: 1 }))), 'SIGNATURE_BLOCK');
  assert.strictEqual(code(withBlock(base, JSON.stringify({ signatures: [ok], x: 1 })).fill(0, 0, 0)), 'SIGNATURE_BLOCK');
  const newer = Buffer.from(withBlock(base, JSON.stringify({ signatures: [ok], x: 1 })));
  newer.writeUInt16LE(2, 10);
  assert.strictEqual(code(newer), 'UNSUPPORTED_VERSION');
  assert.strictEqual(code(withBlock(base, '{"signatures":[' + Array(65).fill(JSON.stringify(ok)).join(',') + ']}')), 'SIGNATURE_BLOCK');
  assert.strictEqual(code(signed([ok, ok])), 'SIGNATURE_BLOCK', 'a key signs once');
  assert.strictEqual(bad({ algorithm: 'Ed25519' }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ algorithm: 'a--b' }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ algorithm: 'a'.repeat(65) }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ key_id: ok.key_id.toUpperCase() }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ signature: ok.signature.slice(2) }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ signature: ok.signature.toUpperCase() }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ algorithm: 'future-alg', signature: '0' }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ algorithm: 'future-alg', signature: '' }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ algorithm: 'future-alg', signature: '00'.repeat(65536) }), 'OK');
  assert.strictEqual(bad({ algorithm: 'future-alg', signature: '00'.repeat(65537) }), 'SIGNATURE_BLOCK');
  // at most 4 entries of algorithms other than those of 1.0 (§12.3 step 3.8)
  const generic = (n) => Array.from({ length: n }, (_, i) => ({ algorithm: 'future-alg',
    key_id: crypto.createHash('sha256').update(`k${i}`).digest('hex'), signature: '00', attributes: {} }));
  assert.strictEqual(code(signed([...generic(4), ok])), 'OK');
  assert.strictEqual(code(signed([...generic(5), ok])), 'SIGNATURE_BLOCK');
  assert.strictEqual(code(signed([ok, ...generic(5)])), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ public_key: 'ab' }), 'SIGNATURE_BLOCK', 'public key digest differs from the key id');
  assert.strictEqual(bad({ public_key: '' }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ attributes: [] }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ extra: 1 }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ attributes: { signer: '' } }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ attributes: { signer: 'x'.repeat(1025) } }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ attributes: { comment: 'a\nb' } }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ attributes: { comment: 'a\u202eb' } }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ attributes: { comment: 'a\u2066b' } }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ attributes: { comment: 1 } }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ attributes: { who: 'x' } }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ attributes: { 'org.example.build-id': 'x' } }), 'OK');
  assert.strictEqual(bad({ attributes: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`a.b${i}`, 'x'])) }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ attributes: { time: '2023-02-29T00:00:00Z' } }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ attributes: { time: '2024-01-01T24:00:00Z' } }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ attributes: { time: '2024-01-01 00:00:00Z' } }), 'SIGNATURE_BLOCK');
  assert.strictEqual(bad({ attributes: { time: '2024-01-01T00:00:00+00:00' } }), 'SIGNATURE_BLOCK');
});

test('time attribute calendar', () => {
  assert.ok(validTime('2000-02-29T00:00:00Z'));
  assert.ok(!validTime('1900-02-29T00:00:00Z'));
  assert.ok(!validTime('2024-04-31T00:00:00Z'));
  assert.ok(!validTime('2024-00-10T00:00:00Z'));
  assert.ok(!validTime('2024-01-01T00:60:00Z'));
  assert.ok(!validTime('2024-01-01T00:00:60Z'));
  assert.ok(tmp);
});

test('the worked example of §12.2 and §12.5 (kat-test-ed25519.mf)', () => {
  const { signedMessage, parseSignatureBody, verifyEntries } = require('../signatures');
  const { Context } = require('../rules');
  const body = Buffer.from('{"signatures":[{"algorithm":"ed25519","attributes":{"signer":"modelfmt test vectors (test key, '
    + 'do not trust)","time":"2025-01-01T00:00:00Z"},"key_id":"06e3fd8fda29bb60ab59557de61edb0aecdb231134be30e75b455f8e1b792fa9",'
    + '"public_key":"302a300506032b6570032100d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",'
    + '"signature":"9ddf8728890791136e98f4eeeb1de40700aaf7cdf8fa9b1a95336939421199d014b7eafb6105e74693e0ac12a366f06eebdfa306f5bbbee5e25e6e737e87670e"}]}');
  assert.strictEqual(body.length, 466);
  const entries = parseSignatureBody(body, new Context(0));
  const P = Buffer.from('6d542ba2f56ea89dfe88f0cab0e1b5ab350cc9f67a579e3b8aa7cfb5a2429cc6', 'hex');
  const M = signedMessage(P, entries[0].attributes);
  assert.strictEqual(M.length, 143);
  assert.strictEqual(M.subarray(54).toString(),
    '{"signer":"modelfmt test vectors (test key, do not trust)","time":"2025-01-01T00:00:00Z"}');
  const r = verifyEntries(entries, P, [loadTrustedKey(edPem, 'rfc8032')]);
  assert.strictEqual(r.keyId, '06e3fd8fda29bb60ab59557de61edb0aecdb231134be30e75b455f8e1b792fa9');
  assert.strictEqual(signedMessage(P, new Map()).length, 56);
});

test('look-alike attribute values: the excluded code points of §12.4', () => {
  const { excluded } = require('../signatures');
  // Unicode 17.0's controls, format characters, separators, default ignorables and noncharacters are
  // exactly the table; an older Unicode's are all in it.
  const unicode = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]/u;
  const major = Number(process.versions.unicode.split('.')[0]);
  for (let c = 0; c <= 0x10ffff; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const inUnicode = unicode.test(String.fromCodePoint(c));
    if (major === 17) assert.strictEqual(excluded(c), inUnicode, `U+${c.toString(16)}`);
    else if (major < 17 && inUnicode) assert.ok(excluded(c), `U+${c.toString(16)}`);
  }
  const ok = entry(edPriv);
  const bad = (signer) => code(signed([entry(edPriv, { signer })]));
  for (const ch of ['\u200b', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u3164', '\ufe0f', '\u{e0041}', '\u0600',
    '\ufff9', '\ufdd0', '\u{10ffff}', '\u2065']) {
    assert.strictEqual(bad(`Al${ch}ice`), 'SIGNATURE_BLOCK', `U+${ch.codePointAt(0).toString(16)}`);
  }
  for (const ch of ['\u00a0', '\u00ac', '\u00ae', '\u2027', '\u2070', '\ufffc', '\ufffd', '\u{1f600}']) {
    assert.strictEqual(bad(`Al${ch}ice`), 'OK', `U+${ch.codePointAt(0).toString(16)}`);
  }
  assert.strictEqual(code(signed([ok])), 'OK');
});
