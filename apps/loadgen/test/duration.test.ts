import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from '../src/duration.js';

test('durations', () => {
  assert.equal(parseDuration('60s'), 60_000);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('30'), 30_000);
  assert.equal(parseDuration('0'), 0);
  for (const bad of ['', '-1s', '1d', 'soon', '1 s']) assert.equal(parseDuration(bad), undefined, bad);
});
