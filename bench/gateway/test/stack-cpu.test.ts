import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CPU_GROUPS, cpuPer, REST_GROUP, type RunningStack, restarted, snapshot } from '../src/stack-cpu.js';

/** This process's start time in clock ticks (/proc/self/stat field 22). */
function startTicks(): number {
  const text = readFileSync('/proc/self/stat', 'latin1');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]);
}

const stackOf = (processes: { name: string; pid: number; startTicks: number }[]): RunningStack => ({
  record: { pid: 999_999_999, startTicks: 0, startedAt: '', apiUrl: '', processes },
  ports: new Map(),
});

test('a component is counted in its group; instances by prefix, the unnamed in the rest', () => {
  const me = { pid: process.pid, startTicks: startTicks() };
  for (const [name, group] of [
    ['model-serving-2', 'model-serving'],
    ['gateway', 'nginx (master + workers)'],
    ['console', REST_GROUP],
  ] as const) {
    const s = snapshot(stackOf([{ name, ...me }]));
    const busy = [...s.seconds].filter(([, v]) => v > 0).map(([k]) => k);
    assert.deepEqual(busy, [group], name);
  }
  const rows = [...snapshot(stackOf([])).seconds.keys()];
  assert.deepEqual(rows, [...CPU_GROUPS.map((g) => g.name), REST_GROUP], 'every row, in table order');
});

test('a reused pid (another start time) is not counted', () => {
  const s = snapshot(stackOf([{ name: 'api-service', pid: process.pid, startTicks: startTicks() + 1 }]));
  assert.equal(s.seconds.get('api-service'), 0);
});

test('CPU per unit between two snapshots, and restarts seen by the main process changing', () => {
  const before = {
    seconds: new Map([
      ['api-service', 1],
      [REST_GROUP, 0.5],
    ]),
    mains: new Map([
      ['api-service', '10:1'],
      ['model-router', '11:1'],
    ]),
  };
  const after = {
    seconds: new Map([
      ['api-service', 1.5],
      [REST_GROUP, 0.5],
    ]),
    mains: new Map([
      ['api-service', '10:1'],
      ['model-router', '12:7'],
    ]),
  };
  assert.deepEqual(cpuPer(before, after, 1000), [
    { name: 'api-service', micros: 500 },
    { name: REST_GROUP, micros: 0 },
  ]);
  assert.deepEqual(restarted(before, after), ['model-router']);
  assert.throws(() => cpuPer(before, after, 0), /units must be positive/);
});
