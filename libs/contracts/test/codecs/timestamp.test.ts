import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatRfc3339Nano, parseRfc3339Nano, parseTimestamp } from '@opsight/contracts/codecs';

const T = 1_795_680_000_123_456_789n; // 2026-11-26T08:00:00.123456789Z

test('RFC 3339 with nanoseconds parses into Unix nanoseconds', () => {
  assert.equal(parseRfc3339Nano('2026-11-26T08:00:00.123456789Z'), T);
  assert.equal(parseRfc3339Nano('2026-11-26T09:00:00.123456789+01:00'), T);
  assert.equal(parseRfc3339Nano('2026-11-26T08:00:00.5z'), 1_795_680_000_500_000_000n);
  assert.equal(parseRfc3339Nano('2026-11-26T08:00:00Z'), 1_795_680_000_000_000_000n);
});

test('text that is not RFC 3339 gives null', () => {
  for (const bad of [
    '',
    '2026-11-26',
    '2026-11-26 08:00:00Z',
    '2026-11-26T08:00:00',
    '2026-11-26T08:00:00.1234567891Z',
    '2026-13-26T08:00:00Z',
    '1795680000',
  ]) {
    assert.equal(parseRfc3339Nano(bad), null, bad);
  }
});

test('nanoseconds format as RFC 3339 with nine digits and parse back', () => {
  assert.equal(formatRfc3339Nano(T), '2026-11-26T08:00:00.123456789Z');
  assert.equal(formatRfc3339Nano(1_795_680_000_000_000_000n), '2026-11-26T08:00:00.000000000Z');
  assert.equal(formatRfc3339Nano(-1n), '1969-12-31T23:59:59.999999999Z');
  for (const ns of [T, 0n, -1n, 1n]) assert.equal(parseRfc3339Nano(formatRfc3339Nano(ns)), ns);
});

test('API timestamps: seconds, fractional seconds, nanoseconds and dates', () => {
  assert.equal(parseTimestamp('1795680000'), 1_795_680_000_000_000_000n);
  assert.equal(parseTimestamp('1795680000.5'), 1_795_680_000_500_000_000n);
  assert.equal(parseTimestamp('1795680000.'), 1_795_680_000_000_000_000n);
  assert.equal(parseTimestamp('1795680000123456789'), T);
  assert.equal(parseTimestamp('-10'), -10_000_000_000n);
  assert.equal(parseTimestamp('2026-11-26T08:00:00.123456789Z'), T);
});

test('an API timestamp that is none of these throws a RangeError naming it', () => {
  for (const bad of ['', 'yesterday', '1e9', '12:00']) {
    assert.throws(
      () => parseTimestamp(bad),
      (e: Error) => e instanceof RangeError && e.message.includes(`"${bad}"`),
    );
  }
});
