'use strict';
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { spawnSync } = require('child_process');
const fs = require('fs');
const { buildFile, tmp, sha } = require('./helpers');

const CLI = path.join(__dirname, '..', 'cli.js');
const run = (...args) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

test('read: the Appendix A file', () => {
  const w = Buffer.from('0000803f000000c0', 'hex');
  const m = Buffer.from('010001', 'hex');
  const f = buildFile({ tensors: [{ name: 'w', dtype: 'float32', shape: [2], data: w },
    { name: 'mask', dtype: 'bool', shape: [3], data: m, role: 'buffer' }], metadata: { name: 'tiny' } });
  // this helper writes keys in another order than the canonical header, so only content is compared
  const r = run('read', tmp(f));
  assert.strictEqual(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.deepStrictEqual(doc.version, [1, 0]);
  assert.deepStrictEqual(doc.header.metadata, { name: 'tiny' });
  assert.deepStrictEqual(doc.tensors, [
    { name: 'w', dtype: 'float32', shape: [2], length: 8, sha256: sha(w), hex: '0000803f000000c0' },
    { name: 'mask', dtype: 'bool', shape: [3], length: 3, sha256: sha(m), hex: '010001' }]);
});

test('read: hex only up to 64 bytes', () => {
  const f = buildFile({ tensors: [{ name: 'a', dtype: 'uint8', shape: [64] }, { name: 'b', dtype: 'uint8', shape: [65] },
    { name: 'c', dtype: 'uint8', shape: [0] }] });
  const doc = JSON.parse(run('read', tmp(f)).stdout);
  assert.strictEqual(doc.tensors[0].hex, '00'.repeat(64));
  assert.ok(!('hex' in doc.tensors[1]));
  assert.strictEqual(doc.tensors[2].hex, '');
});

test('rejections: exit 1 and CODE: message', () => {
  const r = run('read', tmp(Buffer.from('not a model')));
  assert.strictEqual(r.status, 1);
  assert.match(r.stderr.split('\n')[0], /^BAD_MAGIC: ./);
  const v = run('verify', tmp(buildFile({})), path.join(__dirname, 'nope.pub'));
  assert.strictEqual(v.status, 2, 'a missing key file is a usage error');
  const u = run('frobnicate');
  assert.strictEqual(u.status, 2);
  const missing = run('read', path.join(__dirname, 'does-not-exist.mf'));
  assert.strictEqual(missing.status, 2);
});

test('batch mode: one line per path, in order, exit 0', () => {
  const good = tmp(buildFile({ tensors: [{ name: 'w', dtype: 'uint8', shape: [1] }] }));
  const bad = tmp(Buffer.from('nope'));
  const list = tmp(Buffer.from(`${good}\n${bad}\n${good}\n`));
  const r = run('read', '--batch', list);
  assert.strictEqual(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.strictEqual(lines.pop(), '');
  const recs = lines.map((l) => JSON.parse(l));
  assert.deepStrictEqual(recs.map((x) => [x.path, x.status]), [[good, 0], [bad, 1], [good, 0]]);
  assert.strictEqual(recs[0].result.tensors[0].hex, '00');
  assert.match(recs[1].error, /^BAD_MAGIC: /);
  assert.ok(fs.existsSync(list));
});

test('verify: a key file with several PEM blocks is a usage error (§12.7)', () => {
  const keys = path.join(__dirname, '..', '..', '..', 'keys');
  const two = Buffer.concat([fs.readFileSync(path.join(keys, 'test-ed25519.pub')),
    fs.readFileSync(path.join(keys, 'test-ed25519-2.pub'))]);
  const f = buildFile({ tensors: [], metadata: {} });
  const r = run('verify', tmp(f), tmp(two));
  assert.strictEqual(r.status, 2, r.stderr);
  assert.match(r.stderr, /several PEM blocks/);
});
