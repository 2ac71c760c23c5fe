import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  anyValueField,
  anyValueToJs,
  int64ToBigInt,
  toAnyValue,
  toKeyValues,
} from '@opsight/contracts/codecs';

test('every member of AnyValue converts to a JS value', () => {
  assert.equal(anyValueToJs({ stringValue: 'x' }), 'x');
  assert.equal(anyValueToJs({ stringValue: '' }), '');
  assert.equal(anyValueToJs({ boolValue: false }), false);
  assert.equal(anyValueToJs({ intValue: 42 }), 42);
  assert.equal(anyValueToJs({ intValue: '-7' }), -7);
  assert.equal(anyValueToJs({ doubleValue: 0.5 }), 0.5);
  assert.deepEqual(anyValueToJs({ arrayValue: { values: [{ intValue: 1 }, { stringValue: 'b' }] } }), [
    1,
    'b',
  ]);
  assert.deepEqual(anyValueToJs({ kvlistValue: { values: [{ key: 'k', value: { boolValue: true } }] } }), {
    k: true,
  });
  assert.equal(anyValueToJs({ bytesValue: Uint8Array.from([1, 2, 3]) }), 'AQID');
  assert.equal(anyValueToJs({ bytesValue: 'AQID' }), 'AQID');
});

test('empty values are null; absent lists are empty', () => {
  assert.equal(anyValueToJs(undefined), null);
  assert.equal(anyValueToJs(null), null);
  assert.equal(anyValueToJs({}), null);
  assert.equal(anyValueToJs({ stringValue: null, intValue: null }), null);
  assert.deepEqual(anyValueToJs({ arrayValue: {} }), []);
  assert.deepEqual(anyValueToJs({ kvlistValue: { values: null } }), {});
});

test('64-bit integers keep their precision', () => {
  assert.equal(anyValueToJs({ intValue: '9007199254740993' }), '9007199254740993');
  assert.equal(anyValueToJs({ intValue: { high: -1, low: -1 } }), -1);
  assert.equal(int64ToBigInt({ high: -1, low: -1 }), 18_446_744_073_709_551_615n);
  assert.equal(int64ToBigInt({ high: -1, low: -1 }, false), -1n);
  assert.equal(int64ToBigInt({ high: 1, low: 0 }, false), 4_294_967_296n);
  assert.equal(int64ToBigInt(null), 0n);
  assert.equal(int64ToBigInt(12.9), 12n);
});

test('only own members count, as protobufjs messages inherit defaults', () => {
  const decoded = Object.create({ stringValue: '', boolValue: false }) as Record<string, unknown>;
  decoded.intValue = 5;
  assert.equal(anyValueField(decoded), 'intValue');
  assert.equal(anyValueField(Object.create({ stringValue: '' })), null);
});

test('JS values convert to AnyValue and back', () => {
  const value = { s: 'x', n: 3, d: 1.5, b: true, big: 2n ** 63n - 1n, list: [1, 'a'], nested: { k: null } };
  assert.deepEqual(anyValueToJs(toAnyValue(value)), {
    s: 'x',
    n: 3,
    d: 1.5,
    b: true,
    big: '9223372036854775807',
    list: [1, 'a'],
    nested: { k: null },
  });
  assert.deepEqual(toAnyValue(Uint8Array.from([255])), { bytesValue: Uint8Array.from([255]) });
  assert.deepEqual(toKeyValues({ a: 'b' }), [{ key: 'a', value: { stringValue: 'b' } }]);
});

test('values with no AnyValue throw a TypeError', () => {
  assert.throws(() => toAnyValue(() => 1), TypeError);
  assert.throws(() => toAnyValue(Symbol('s')), TypeError);
});
