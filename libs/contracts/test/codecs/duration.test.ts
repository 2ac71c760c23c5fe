import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, parseDuration, tryParseDuration } from '@opsight/contracts/codecs';

test('Go durations parse into nanoseconds', () => {
  assert.equal(parseDuration('1h30m'), 5_400_000_000_000n);
  assert.equal(parseDuration('500ms'), 500_000_000n);
  assert.equal(parseDuration('1.5s'), 1_500_000_000n);
  assert.equal(parseDuration('.5s'), 500_000_000n);
  assert.equal(parseDuration('300us'), 300_000n);
  assert.equal(parseDuration('300µs'), 300_000n);
  assert.equal(parseDuration('2h45m0.5s'), 9_900_500_000_000n);
  assert.equal(parseDuration('-1m'), -60_000_000_000n);
  assert.equal(parseDuration('+1ns'), 1n);
  assert.equal(parseDuration('0'), 0n);
  assert.equal(parseDuration(' 10s '), 10_000_000_000n);
});

test('Prometheus units add days, weeks and years; Go refuses them', () => {
  assert.equal(parseDuration('7d', 'prometheus'), 7n * 86_400_000_000_000n);
  assert.equal(parseDuration('1w', 'prometheus'), 7n * 86_400_000_000_000n);
  assert.equal(parseDuration('1y', 'prometheus'), 365n * 86_400_000_000_000n);
  assert.throws(() => parseDuration('7d'), /invalid duration "7d"/);
});

test('large durations keep every nanosecond', () => {
  assert.equal(parseDuration('100000h1ns'), 360_000_000_000_000_001n);
});

test('text that is not a duration throws a RangeError naming it, or gives null', () => {
  for (const bad of ['', '-', '1', '10', 's', '1x', '1 s', '1s5', 'h1', '1.2.3s', '--1s', 'soon']) {
    assert.throws(() => parseDuration(bad, 'prometheus'), RangeError, bad);
    assert.equal(tryParseDuration(bad), null, bad);
  }
});

test('durations format as Go prints them and parse back', () => {
  const cases: Array<[bigint, string]> = [
    [0n, '0s'],
    [1n, '1ns'],
    [1_500n, '1.5µs'],
    [500_000_000n, '500ms'],
    [1_500_000_000n, '1.5s'],
    [60_000_000_000n, '1m0s'],
    [5_400_000_000_000n, '1h30m0s'],
    [9_900_500_000_000n, '2h45m0.5s'],
    [-2_000_000n, '-2ms'],
  ];
  for (const [ns, text] of cases) {
    assert.equal(formatDuration(ns), text);
    assert.equal(parseDuration(text), ns, text);
  }
});
