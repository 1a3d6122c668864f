'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { parseJson, JNumber, findInvalidUtf8 } = require('../json');
const { isUtf8 } = require('buffer');

const parse = (s) => parseJson(Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8'));
const kind = (s) => {
  try { parse(s); return 'OK'; } catch (e) { if (e.kind) return e.kind; throw e; }
};

test('values and the data model', () => {
  const v = parse(' {"a": [1, -0, 1.5, 1e2, true, false, null, "x"]} ');
  assert.ok(v instanceof Map);
  const a = v.get('a');
  const num = (n) => (n instanceof JNumber ? [n.value, n.isInt] : n);
  assert.deepStrictEqual(num(a[0]), [1, true]);
  assert.ok(Object.is(a[1].value, 0) && a[1].isInt, '-0 denotes 0');
  assert.deepStrictEqual(num(a[2]), [1.5, false]);
  assert.deepStrictEqual(num(a[3]), [100, false], '1e2 is not integer-form');
  assert.strictEqual(a[3].text, '1e2');
  assert.deepStrictEqual(a.slice(4), [true, false, null, 'x']);
  assert.ok(Object.is(parse('-0.0').value, -0));
});

test('grammar (§4.2)', () => {
  for (const s of ['', '   ', '\t\r\n', '01', '-01', '+1', '.5', '1.', '1e', '1e+', '-', "'a'", '[1,]', '{"a":1,}',
    '{"a" 1}', '{a:1}', '[1 2]', '/*c*/1', '1 2', '1\u0000', '\u000c1', '\u00a01', '\ufeff1', '"\\x"', '"\\u12"',
    '"\\u12G4"', 'nul', 'True', 'nan', '-NaN', '+Infinity', 'Infinityx', '"a\u0001"', '"a\tb"', '[', '{', '"abc',
    '{"a":1]', '[1}', '"\\']) {
    const k = kind(s);
    const expected = ['Infinityx'].includes(s) ? 'NUMBER' : 'SYNTAX';
    assert.strictEqual(k, s === '\ufeff1' ? 'ENCODING' : expected, JSON.stringify(s));
  }
  for (const s of ['0', '-0', '1E5', '1e-5', '1.0E+2', '"\\/"', '"\\b\\f\\n\\r\\t\\"\\\\"', '"\\u00e9\\u00E9"', '[]', '{}',
    ' [ ] ', '"\u007f"', '"\u2028"']) {
    assert.strictEqual(kind(s), 'OK', JSON.stringify(s));
  }
});

test('NaN and infinities (§4.4)', () => {
  for (const s of ['NaN', 'Infinity', '-Infinity', '[NaN]', '{"a":-Infinity}']) assert.strictEqual(kind(s), 'NUMBER', s);
});

test('exact integers (§4.4)', () => {
  assert.strictEqual(parse('9007199254740991').value, 9007199254740991);
  assert.strictEqual(parse('-9007199254740991').value, -9007199254740991);
  assert.strictEqual(kind('9007199254740992'), 'NUMBER');
  assert.strictEqual(kind('-9007199254740992'), 'NUMBER');
  assert.strictEqual(kind('10000000000000000'), 'NUMBER');
  assert.strictEqual(kind('1' + '0'.repeat(400)), 'NUMBER');
  // non-integer-form numbers may be large
  assert.strictEqual(parse('9007199254740993.0').value, 9007199254740992);
  assert.strictEqual(parse('1e300').isInt, false);
});

test('finite floats only (§4.4)', () => {
  assert.strictEqual(kind('1e309'), 'NUMBER');
  assert.strictEqual(kind('1.7976931348623157e308'), 'OK');
  assert.strictEqual(kind('1.7976931348623158e308'), 'OK'); // rounds down to the maximum
  assert.strictEqual(kind('1.7976931348623159e308'), 'NUMBER'); // 2^1024 - 2^970 and above
  const boundary = String(2n ** 1024n - 2n ** 970n); // rounds (ties to even) to 2^1024: infinite
  assert.strictEqual(kind(boundary + '.0'), 'NUMBER');
  assert.strictEqual(kind(boundary.slice(0, -1) + '1.9'), 'OK');
  assert.strictEqual(kind('-1e999999999999999999999'), 'NUMBER');
  assert.strictEqual(parse('1e-999999999999999999999').value, 0);
  assert.ok(Object.is(parse('-1e-400').value, -0));
  const t0 = Date.now();
  assert.strictEqual(kind('1e' + '9'.repeat(100000)), 'NUMBER');
  assert.ok(Date.now() - t0 < 1000, 'time does not depend on the exponent value');
});

test('duplicate keys compared after unescaping (§4.3)', () => {
  assert.strictEqual(kind('{"a":1,"a":2}'), 'DUPLICATE_KEY');
  assert.strictEqual(kind('{"a":1,"\\u0061":2}'), 'DUPLICATE_KEY');
  assert.strictEqual(kind('{"x":{"b":1,"b":1}}'), 'DUPLICATE_KEY');
  assert.strictEqual(kind('[{"b":1},{"b":1}]'), 'OK');
  assert.strictEqual(kind('{"\u00e9":1,"e\u0301":2}'), 'OK', 'no normalization');
  assert.strictEqual(kind('{"__proto__":1,"constructor":2,"toString":3}'), 'OK');
  assert.strictEqual(kind('{"__proto__":1,"__proto__":2}'), 'DUPLICATE_KEY');
});

test('depth (§4.5)', () => {
  assert.strictEqual(kind('['.repeat(64) + ']'.repeat(64)), 'OK');
  assert.strictEqual(kind('['.repeat(65) + ']'.repeat(65)), 'DEPTH');
  assert.strictEqual(kind('{"a":'.repeat(64) + '1' + '}'.repeat(64)), 'OK');
  assert.strictEqual(kind('{"a":'.repeat(65) + '1' + '}'.repeat(65)), 'DEPTH');
  assert.strictEqual(kind('['.repeat(100000)), 'DEPTH', 'hostile nesting stops at the limit');
  assert.strictEqual(parseJson(Buffer.from('[[1]]'), 0, 5, { maxDepth: 2 }).length, 1);
  assert.throws(() => parseJson(Buffer.from('[[[1]]]'), 0, 7, { maxDepth: 2 }), (e) => e.kind === 'DEPTH');
});

test('surrogate escapes (§4.1)', () => {
  assert.strictEqual(parse('"\\ud83d\\ude00"'), '\u{1f600}');
  assert.strictEqual(parse('"\\uD83D\\uDE00"'), '\u{1f600}');
  for (const s of ['"\\ud83d"', '"\\ude00"', '"\\ud83d\\u0041"', '"\\ud83dx"', '"\\ude00\\ud83d"', '"\\ud83d\\ud83d"',
    '{"\\udc00":1}']) {
    assert.strictEqual(kind(s), 'ENCODING', s);
  }
});

test('UTF-8 validation (§4.1)', () => {
  const bad = [[0x80], [0xc0, 0xaf], [0xc1, 0xbf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf],
    [0xf0, 0x80, 0x80, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xff], [0xc3], [0xe2, 0x82],
    [0xf0, 0x9f, 0x98]];
  for (const b of bad) {
    const buf = Buffer.concat([Buffer.from('"'), Buffer.from(b), Buffer.from('"')]);
    assert.strictEqual(kind(buf), 'ENCODING', Buffer.from(b).toString('hex'));
  }
  const good = [[0xc2, 0x80], [0xdf, 0xbf], [0xe0, 0xa0, 0x80], [0xed, 0x9f, 0xbf], [0xee, 0x80, 0x80],
    [0xf0, 0x90, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf]];
  for (const b of good) {
    const buf = Buffer.concat([Buffer.from('"'), Buffer.from(b), Buffer.from('"')]);
    assert.strictEqual(kind(buf), 'OK', Buffer.from(b).toString('hex'));
  }
  assert.strictEqual(kind(Buffer.from([0xef, 0xbb, 0xbf, 0x31])), 'ENCODING', 'byte order mark');
  // invalid UTF-8 outside strings is an encoding error too
  assert.strictEqual(kind(Buffer.from([0x5b, 0xff, 0x5d])), 'ENCODING');
  // valid non-ASCII outside strings is a syntax error
  assert.strictEqual(kind(Buffer.from('[\u00e9]')), 'SYNTAX');
});

test('UTF-8 validator agrees with buffer.isUtf8 on random bytes', () => {
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
  for (let n = 0; n < 20000; n++) {
    const len = rnd() % 6;
    const b = Buffer.alloc(len);
    for (let i = 0; i < len; i++) { const r = rnd() % 4; b[i] = r === 0 ? rnd() % 0x80 : 0x80 + (rnd() % 0x80); }
    assert.strictEqual(findInvalidUtf8(b, 0, len) < 0, isUtf8(b), b.toString('hex'));
  }
});
