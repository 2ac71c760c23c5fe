import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SCENARIO_NAMES, SCENARIOS, scenario, seededRandom } from '../src/scenarios.js';

const plan = (name: (typeof SCENARIO_NAMES)[number], seed: number, n = 50) => {
  const ctx = { models: ['a', 'b', 'c'], slowModel: 'c', random: seededRandom(seed) };
  return Array.from({ length: n }, (_, i) => SCENARIOS[name].plan(i, ctx));
};

test('the same seed plans the same requests; another seed plans others', () => {
  for (const name of SCENARIO_NAMES) assert.deepEqual(plan(name, 7), plan(name, 7), name);
  assert.notDeepEqual(plan('steady', 7), plan('steady', 8));
});

test('every planned body is what its kind says', () => {
  for (const r of plan('error-storm', 1, 16)) {
    if (r.kind === 'invalid_json') assert.throws(() => JSON.parse(r.body));
    else assert.equal(typeof JSON.parse(r.body), 'object');
    if (r.kind === 'too_large') assert.ok(r.body.length > 2 * 1024 * 1024);
    if (r.kind === 'missing_messages') assert.equal(JSON.parse(r.body).messages, undefined);
  }
  for (const r of plan('cache-friendly', 1, 10)) assert.equal(JSON.parse(r.body).temperature, 0);
  assert.ok(plan('streaming-mix', 1).some((r) => r.stream && JSON.parse(r.body).stream === true));
});

test('burst: five times the rate for 5 s of every 20 s', () => {
  assert.equal(SCENARIOS.burst.rateAt(10, 3), 10);
  assert.equal(SCENARIOS.burst.rateAt(10, 16), 50);
  assert.equal(SCENARIOS.burst.rateAt(10, 21), 10);
});

test('unknown scenario names are undefined', () => {
  assert.equal(scenario('nope'), undefined);
  assert.equal(scenario('constructor'), undefined);
  assert.equal(scenario('steady')?.name, 'steady');
});
