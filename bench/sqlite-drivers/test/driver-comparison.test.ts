import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DriverComparison, driversInRound, driversToMeasure, type Figure } from '../src/index.js';

const rate: Figure = { name: 'ingest lines/s', better: 'higher', format: (v) => v.toFixed(0) };
const time: Figure = { name: 'query ms', better: 'lower', target: '<= 50 ms', meets: (v) => v <= 50 };

test('rounds alternate which driver runs first', () => {
  assert.deepEqual(driversInRound(0), ['better-sqlite3', 'node:sqlite']);
  assert.deepEqual(driversInRound(1), ['node:sqlite', 'better-sqlite3']);
  assert.deepEqual(driversInRound(2), driversInRound(0));
  assert.deepEqual(driversInRound(1, ['better-sqlite3']), ['better-sqlite3']);
});

test('the drivers to measure come from a comma list, every driver without one', () => {
  assert.deepEqual(driversToMeasure(undefined), ['better-sqlite3', 'node:sqlite']);
  assert.deepEqual(driversToMeasure(''), ['better-sqlite3', 'node:sqlite']);
  assert.deepEqual(driversToMeasure('better-sqlite3'), ['better-sqlite3']);
  assert.deepEqual(driversToMeasure(' node:sqlite , better-sqlite3,node:sqlite'), [
    'better-sqlite3',
    'node:sqlite',
  ]);
  assert.throws(() => driversToMeasure('better-sqlite3,sqlite4'), /unknown SQLite driver sqlite4/);
});

test('keeps the best value of each figure: the highest rate, the lowest time', () => {
  const c = new DriverComparison();
  for (const v of [100, 140, 120]) c.record('better-sqlite3', rate, v);
  for (const v of [30, 20, 25]) c.record('better-sqlite3', time, v);
  assert.equal(c.bestOf('ingest lines/s', 'better-sqlite3'), 140);
  assert.equal(c.bestOf('query ms', 'better-sqlite3'), 20);
  assert.equal(c.bestOf('query ms', 'node:sqlite'), undefined);
});

test('the ratio is node:sqlite / better-sqlite3, judged by the direction of the figure', () => {
  const c = new DriverComparison();
  c.record('better-sqlite3', rate, 100);
  c.record('node:sqlite', rate, 80);
  c.record('better-sqlite3', time, 20);
  c.record('node:sqlite', time, 10);
  assert.deepEqual(c.ratio('ingest lines/s'), { ratio: 0.8, verdict: 'worse' });
  assert.deepEqual(c.ratio('query ms'), { ratio: 0.5, verdict: 'better' });
  c.record('node:sqlite', rate, 95);
  assert.equal(c.ratio('ingest lines/s')?.verdict, 'even');
  assert.equal(c.ratio('missing'), undefined);
});

test('prints one row per figure with both values, the ratio and the target', () => {
  const c = new DriverComparison();
  c.record('better-sqlite3', time, 20);
  c.record('node:sqlite', time, 60);
  c.record('better-sqlite3', rate, 100);
  const rows = c.table().split('\n');
  assert.equal(rows.length, 4);
  assert.equal(
    rows[2],
    '| query ms | 20.00 (meets) | 60.00 (MISSES) | 3.00 (worse, lower is better) | <= 50 ms |',
  );
  assert.equal(rows[3], '| ingest lines/s | 100 | n/a | n/a |  |');
});

test('escapes the pipes of a LogQL query in its row', () => {
  const c = new DriverComparison();
  c.record('better-sqlite3', { name: '{app="a"} |= "x" | json', better: 'lower' }, 1);
  assert.equal(c.table().split('\n')[2], '| {app="a"} \\|= "x" \\| json | 1.00 | n/a | n/a |  |');
});

test('a table for one driver has its column only, without a ratio', () => {
  const c = new DriverComparison();
  c.record('better-sqlite3', time, 20);
  c.record('node:sqlite', time, 60);
  const rows = c.table(['better-sqlite3']).split('\n');
  assert.deepEqual(rows, [
    '| measure | better-sqlite3 | target |',
    '|---|---|---|',
    '| query ms | 20.00 (meets) | <= 50 ms |',
  ]);
  assert.equal(c.table(['node:sqlite']).split('\n')[2], '| query ms | 60.00 (MISSES) | <= 50 ms |');
});
