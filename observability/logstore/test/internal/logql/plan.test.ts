import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseQuery } from '../../../src/internal/logql/parse.js';
import { planQuery, type StreamCatalog, splitSteps } from '../../../src/internal/logql/plan.js';

const none: StreamCatalog = { hasLabel: () => false };
const S = 1_000_000_000n;
const H = 3600n * S;

function selection(query: string, catalog = none) {
  const plan = planQuery(parseQuery(query), { start: 0n, end: H, step: 60n * S, instant: false }, catalog);
  if (plan.kind === 'log') return plan.selection;
  return [...plan.ranges.values()][0]!.selection;
}

test('|= and |~ needles up to the first stage that rewrites the line', () => {
  assert.deepEqual(selection('{a="b"} |= "x" != "y" |~ "z.w" | json |= "v"').contains, ['x', 'z', 'v']);
  assert.deepEqual(selection('{a="b"} |= "x" | line_format "{{.a}}" |= "y"').contains, ['x']);
  assert.deepEqual(selection('{a="b"} | decolorize |= "y"').contains, []);
  assert.deepEqual(selection('{a="b"} |= "x" or "y"').contains, []);
  assert.deepEqual(selection('{a="b"} |= ip("10.0.0.1")').contains, []);
  assert.deepEqual(selection('{a="b"} |= ""').contains, []);
});

test('numeric filters right after a plain | json become field bounds', () => {
  assert.deepEqual(selection('{a="b"} | json | x > 5 and y <= 2').fieldBounds, [
    { field: 'x', op: '>', value: 5 },
    { field: 'y', op: '<=', value: 2 },
  ]);
  assert.deepEqual(selection('{a="b"} |= "k" | json | x == 1 | y < 3').fieldBounds.length, 2);
  for (const q of [
    '{a="b"} | json | x > 5 or y < 2',
    '{a="b"} | json | x != 5',
    '{a="b"} | json | x > 5s',
    '{a="b"} | json x="y" | x > 5',
    '{a="b"} | logfmt | json | x > 5',
    '{a="b"} | json | line_format "{{.x}}" | x > 5',
    '{a="b"} | x > 5',
  ]) {
    assert.deepEqual(selection(q).fieldBounds, [], q);
  }
  // A stream label of that name takes the field to x_extracted: the filter is on the stream label.
  assert.deepEqual(selection('{a="b"} | json | x > 5', { hasLabel: (n) => n === 'x' }).fieldBounds, []);
});

test('trace_id goes through the index unless a stream has it as a label', () => {
  const s = selection('{app="a", trace_id="t1"}');
  assert.equal(s.traceId, 't1');
  assert.deepEqual(
    s.matchers.map((m) => m.name),
    ['app'],
  );
  assert.equal(selection('{app="a"} | trace_id="t2"').traceId, 't2');
  assert.equal(selection('{app="a"} | json | trace_id="t2"').traceId, undefined);
  const labelled = selection('{app="a", trace_id="t1"}', { hasLabel: (n) => n === 'trace_id' });
  assert.equal(labelled.traceId, undefined);
  assert.equal(labelled.matchers.length, 2);
});

test('the labels a grouped metric query needs; all otherwise', () => {
  const s = selection('sum by (path) (rate({app="a"} | json | status >= 500 | unwrap latency_ms [1m]))');
  assert.deepEqual([...s.neededLabels!].sort(), ['app', 'latency_ms', 'path', 'status']);
  assert.equal(selection('sum without (x) (count_over_time({app="a"} | json [1m]))').neededLabels, undefined);
  assert.equal(selection('{app="a"} | json').neededLabels, undefined);
  assert.equal(
    selection('sum by (x) (count_over_time({app="a"} | json | keep x [1m]))').neededLabels,
    undefined,
  );
});

test('steps split at multiples of the interval; not when the range reaches across a whole interval', () => {
  const steps = Array.from({ length: 7 }, (_, i) => 50n * S + BigInt(i) * 20n * S);
  // 50 70 90 | 110 130 | 150 170 (interval 60s: 0-59, 60-119, 120-179)
  assert.deepEqual(
    splitSteps(steps, 60n * S, 10n * S).map((s) => [s.first, s.end]),
    [
      [0, 1],
      [1, 4],
      [4, 7],
    ],
  );
  assert.deepEqual(splitSteps(steps, 0n, 10n * S), [{ first: 0, end: 7 }]);
  assert.deepEqual(splitSteps(steps, 60n * S, 60n * S), [{ first: 0, end: 7 }]);
  const plan = planQuery(
    parseQuery('sum(rate({a="b"}[1m]))'),
    { start: 30n * 60n * S, end: 150n * 60n * S, step: 60n * S, instant: false },
    none,
  );
  assert.equal(plan.kind === 'metric' && plan.splits.length, 3);
  const instant = planQuery(
    parseQuery('sum(rate({a="b"}[1m]))'),
    { start: H, end: H, step: 0n, instant: true },
    none,
  );
  assert.equal(instant.kind === 'metric' && instant.splits.length, 1);
});
