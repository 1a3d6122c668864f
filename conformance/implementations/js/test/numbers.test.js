'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { decimalToDouble, formatDouble, exactDecimal, verifiedCandidate } = require('../numbers');
const { canonicalize } = require('../canonical');
const { parseJson } = require('../json');

let seed = 42;
function rnd32() { seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; return seed; }
function randomDouble() {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setUint32(0, rnd32());
  dv.setUint32(4, rnd32());
  return dv.getFloat64(0);
}

test('formatDouble is ECMAScript Number::toString (random bit patterns)', () => {
  for (let i = 0; i < 20000; i++) {
    const x = randomDouble();
    if (!Number.isFinite(x)) continue;
    assert.strictEqual(formatDouble(x), String(x), `bits of ${x}`);
  }
});

test('formatDouble edge cases', () => {
  const xs = [0, -0, 1, -1, 0.1, 0.2, 0.3, 1 / 3, 100, 1e21, 1e20, 123e18, 1e-6, 1e-7, 1.5e-7, 0.000001, 5e-324,
    -5e-324, 1.7976931348623157e308, 2 ** 53, 2 ** 53 + 2, 2 ** 60, 2 ** -1022, 2 ** -1074, 2 ** 1023, 9007199254740991,
    4.35, 0.5, 1.25e-5, 123456789012345680000, 1e22, 1e23, 5e-7, 2.2250738585072014e-308, 2.225073858507201e-308,
    -3.4028234663852886e38, 1.401298464324817e-45, 65504, 6.103515625e-5];
  for (let e = -1074; e <= 1023; e++) { xs.push(2 ** e); xs.push(3 * 2 ** (e - 2)); }
  for (let e = -325; e <= 308; e++) { xs.push(Number(`1e${e}`)); xs.push(Number(`9.999999999999999e${e}`)); }
  for (const x of xs) if (Number.isFinite(x)) assert.strictEqual(formatDouble(x), String(x), String(x));
  assert.strictEqual(formatDouble(-0), '0');
});

test('decimalToDouble rounds like the engine (random)', () => {
  for (let i = 0; i < 20000; i++) {
    const x = randomDouble();
    if (!Number.isFinite(x)) continue;
    const s = x.toExponential(3 + (rnd32() % 20));
    const t = s.replace('e+', 'e');
    assert.ok(Object.is(decimalToDouble(t), Number(t)), t);
    const r = String(x);
    assert.ok(Object.is(decimalToDouble(r.replace('e+', 'e')), x), r);
  }
});

test('decimalToDouble hard cases', () => {
  const cases = [
    '2.4703282292062327e-324', '2.4703282292062328e-324', '4.9406564584124654e-324', '2.2250738585072011e-308',
    '2.2250738585072012e-308', '1.7976931348623157e308', '1.7976931348623158e308', '9007199254740993',
    '9007199254740993.0000000000000000000000000000000001', '0.1', '1e23', '8.98846567431158e307',
    '7.2057594037927933e16', '3.0000000000000001', '0.30000000000000004', '123456789e-300', '1e-323',
    '1' + '0'.repeat(300) + '.0', '0.' + '0'.repeat(320) + '25', '1.00000000000000011102230246251565404236316680908203125',
    '1.00000000000000011102230246251565404236316680908203124', '1.00000000000000011102230246251565404236316680908203126',
    '2.' + '0'.repeat(1000) + '1e-1', '1.' + '9'.repeat(900),
  ];
  for (const c of cases) assert.ok(Object.is(decimalToDouble(c), Number(c)), c);
  assert.strictEqual(decimalToDouble('1.7976931348623159e308'), Infinity);
  assert.strictEqual(decimalToDouble('-1e400'), -Infinity);
  assert.ok(Object.is(decimalToDouble('-0.0'), -0));
});

test('canonical form (RFC 8785, §4.7)', () => {
  const c = (s) => canonicalize(parseJson(Buffer.from(s, 'utf8')));
  assert.strictEqual(c(' { "b" : 1 , "a" : [ 1.0 , -0 , 1e21 , 1E-7 , 100e-2 ] } '), '{"a":[1,0,1e+21,1e-7,1],"b":1}');
  assert.strictEqual(c('"\\u0008\\t\\n\\u000c\\r\\"\\\\\\/\\u0001\\u001f\\u007f\\u2028\u00e9"'),
    '"\\b\\t\\n\\f\\r\\"\\\\/\\u0001\\u001f\u007f\u2028\u00e9"');
  // keys sorted by UTF-16 code units: U+1F600 (D83D DE00) sorts before U+FF61
  assert.strictEqual(c('{"\uff61":1,"\ud83d\ude00":2,"a":3,"":4,"ab":5}'), '{"":4,"a":3,"ab":5,"\ud83d\ude00":2,"\uff61":1}');
  // RFC 8785 appendix sample numbers
  assert.strictEqual(c('[333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001]'),
    '[333333333.3333333,1e+30,4.5,0.002,1e-27]');
});

test('the verified fast path agrees with the exact path, and rejects wrong candidates', () => {
  for (let i = 0; i < 20000; i++) {
    const nd = 1 + (rnd32() % 19);
    let digits = String(1 + (rnd32() % 9));
    while (digits.length < nd) digits += String(rnd32() % 10);
    digits = digits.replace(/0+$/, '');
    const exp = (rnd32() % 121) - 60;
    const exact = exactDecimal(digits, exp);
    const fast = verifiedCandidate(digits, exp);
    if (fast !== null) assert.ok(Object.is(fast, exact), `${digits}e${exp}`);
    if (exact > 0 && Number.isFinite(exact)) {
      const up = verifiedCandidate(digits, exp, nextUp(exact));
      const down = verifiedCandidate(digits, exp, nextDown(exact));
      assert.strictEqual(up, null, `${digits}e${exp} next up`);
      assert.strictEqual(down, null, `${digits}e${exp} next down`);
    }
  }
});

function nextUp(x) {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  dv.setBigUint64(0, dv.getBigUint64(0) + 1n);
  return dv.getFloat64(0);
}
function nextDown(x) {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  dv.setBigUint64(0, dv.getBigUint64(0) - 1n);
  return dv.getFloat64(0);
}
