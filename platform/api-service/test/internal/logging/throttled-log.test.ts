import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ThrottledLog } from '../../../src/internal/logging/throttled-log.js';

test('one line per event per interval, counting the occurrences in between', () => {
  let clock = 0;
  const log = new ThrottledLog({ intervalMs: 10_000, now: () => clock });
  const lines: Record<string, unknown>[] = [];
  const write = (fields: Record<string, unknown>) => lines.push(fields);
  for (let i = 0; i < 100; i++) log.note('redis', write, {}, 'down');
  log.note('postgres', write, {}, 'down');
  assert.equal(lines.length, 2);
  assert.equal(lines[0]!.occurrences, 1);
  clock = 10_000;
  log.note('redis', write, { x: 1 }, 'down');
  assert.equal(lines.length, 3);
  assert.deepEqual(lines[2], { x: 1, event: 'redis', occurrences: 100 });
});
