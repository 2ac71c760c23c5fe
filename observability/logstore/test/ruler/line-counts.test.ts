import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expandLineCounts, LineCountError } from '../../src/ruler/line-counts.js';

test("line counts expand as promtool's notation expands values", () => {
  assert.deepEqual(expandLineCounts('3 _ 5x3'), [3, 0, 5, 5, 5, 5]);
  assert.deepEqual(expandLineCounts('0+2x3 6-2x3'), [0, 2, 4, 6, 6, 4, 2, 0]);
  assert.deepEqual(expandLineCounts(' _x2  1 '), [0, 0, 1]);
  assert.deepEqual(expandLineCounts(''), []);
});

test('what is not a whole, non-negative count is refused naming the item', () => {
  assert.throws(
    () => expandLineCounts('1 2.5'),
    (e: Error) => e instanceof LineCountError && /"2\.5"/.test(e.message),
  );
  assert.throws(() => expandLineCounts('2-1x3'), /"2-1x3" goes below zero lines at its step 3/);
  assert.throws(() => expandLineCounts('stale'), /expected N, _, NxK/);
});
