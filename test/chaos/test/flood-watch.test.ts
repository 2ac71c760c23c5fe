import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecoveryWatch, StalenessWatch, tableFreeDeadlineSeconds } from '../src/flood-watch.js';

test('staleness is the worst age of the newest line found, counted from the first write until one is found', () => {
  const w = new StalenessWatch();
  assert.equal(w.worstSeconds, 0);
  w.record(10_000, undefined, 4_000); // nothing found yet: 6 s since the first line
  w.record(12_000, 11_500, 4_000); // fresh
  w.record(40_000, 20_000, 4_000); // the stream stalled: 20 s old
  w.record(41_000, 40_900, 4_000);
  assert.equal(w.worstSeconds, 20);
  assert.equal(w.sampleCount, 4);
});

test('recovery starts at the final run of good samples, not at a good sample that did not last', () => {
  const r = new RecoveryWatch(100_000);
  assert.equal(r.recoverySeconds, null);
  r.record(101_000, true); // looked fine for a moment
  r.record(102_000, false);
  assert.equal(r.recoverySeconds, null);
  assert.equal(r.ok, false);
  r.record(105_000, true);
  r.record(106_000, true);
  assert.equal(r.recoverySeconds, 5);
  assert.equal(r.ok, true);
  r.record(107_000, false);
  assert.equal(r.recoverySeconds, null, 'not recovered while the latest sample is bad');
});

test('recovery before the fault ends counts as 0 s', () => {
  const r = new RecoveryWatch(100_000);
  r.record(99_000, true);
  r.record(101_000, true);
  assert.equal(r.recoverySeconds, 0);
});

test('the wait for a free table follows the idle period, capped so a 30m idle period stays bounded', () => {
  assert.equal(tableFreeDeadlineSeconds(60, 180), 90);
  assert.equal(tableFreeDeadlineSeconds(1800, 180), 180);
  assert.equal(tableFreeDeadlineSeconds(60, 180, 0), 60);
});
