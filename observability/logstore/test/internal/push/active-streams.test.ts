import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ActiveStreams } from '../../../src/internal/push/active-streams.js';

test('a stream leaves the active set once idle for the idle period, and comes back on a new entry', () => {
  const a = new ActiveStreams(() => 1000);
  a.touch('t', 1, 0);
  a.touch('t', 2, 500);
  assert.equal(a.count('t', 999), 2);
  assert.equal(a.isActive('t', 1, 1000), false, 'idle for exactly the idle period');
  assert.equal(a.count('t', 1000), 1);
  a.touch('t', 1, 1200);
  assert.equal(a.count('t', 1499), 2);
  assert.equal(a.count('t', 1500), 1, 'stream 2 went idle; stream 1 was touched again');
  assert.equal(a.count('other', 0), 0);
});

test('a clock that steps back keeps the order, so expiry never skips an idle stream', () => {
  const a = new ActiveStreams(() => 100);
  a.touch('t', 1, 1000);
  a.touch('t', 2, 900); // counted from 1000
  assert.equal(a.count('t', 1099), 2);
  assert.equal(a.count('t', 1100), 0);
});

test('load() rebuilds the set from the newest entries, leaving out streams idle by then', () => {
  const a = new ActiveStreams(() => 1000);
  a.load(
    [
      { tenant: 't', id: 1, newestMs: 9500 },
      { tenant: 't', id: 2, newestMs: 8000 },
      { tenant: 't', id: 3, newestMs: 50_000 }, // in the future: counted from now
      { tenant: 'u', id: 4, newestMs: 9999 },
    ],
    10_000,
  );
  assert.equal(a.isActive('t', 2, 10_000), false);
  assert.equal(a.count('t', 10_000), 2);
  assert.equal(a.count('t', 10_500), 1, 'stream 1 idle at 10500; stream 3 counted from 10000');
  assert.equal(a.count('u', 10_998), 1);
});

test('an idle period of 0 never retires a stream', () => {
  const a = new ActiveStreams(() => 0);
  a.touch('t', 1, 0);
  assert.equal(a.count('t', Number.MAX_SAFE_INTEGER), 1);
});
