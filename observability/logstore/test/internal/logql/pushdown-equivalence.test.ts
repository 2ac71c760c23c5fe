// Every pushdown gives the answer the pipeline alone gives: each query of the table runs with the plan's
// pushdowns on and off, over entries as rows and sealed into chunks, and must answer identically; the
// plan shows the pushdown was applied, so no case passes by doing nothing. Range splitting likewise: a
// query split into intervals answers as the unsplit one.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { DEFAULT_LIMITS } from '../../../src/internal/limits.js';
import { QueryEngine, type QueryParams } from '../../../src/internal/logql/engine.js';
import type { PlanSummary } from '../../../src/internal/logql/plan.js';
import { mergeSubqueries } from '../../../src/internal/logql/subqueries.js';
import { LogStorage } from '../../../src/internal/storage/log-storage.js';
import { DATASET, LINES, SEC } from './conformance-cases.js';

const BASE = 1_700_000_000n * SEC;

function load(sealed: boolean): LogStorage {
  const storage = new LogStorage({ dataDir: ':memory:' });
  storage.append(
    'fake',
    DATASET.map((s) => ({
      labels: s.labels,
      entries: s.entries.map((e) => ({
        ts: BASE + BigInt(e.at) * SEC,
        line: LINES[e.line]!,
        ...(e.metadata ? { metadata: e.metadata } : {}),
      })),
    })),
  );
  if (sealed) assert.ok(storage.seal(0n, 1) > 0);
  return storage;
}
const stores = [load(false), load(true)];
after(() => {
  for (const s of stores) s.close();
});

type Selector = PlanSummary['selectors'][number];

/** A query, and what its plan must show it pushed down. */
const CASES: Array<{ query: string; pushed: (s: Selector) => boolean }> = [
  // |= needles
  { query: '{app="api-service"} |= "chat"', pushed: (s) => s.contains.includes('chat') },
  { query: '{namespace="prod"} |= "chat" |= "500"', pushed: (s) => s.contains.length === 2 },
  { query: '{namespace="prod"} | json | status >= 500 |= "fail"', pushed: (s) => s.contains[0] === 'fail' },
  { query: '{namespace="prod"} |= "nothing matches this"', pushed: (s) => s.contains.length === 1 },
  // |~: the regex's required literal
  { query: '{namespace="prod"} |~ "request d.ne"', pushed: (s) => s.contains[0] === 'request d' },
  { query: '{namespace="prod"} |~ "late\\\\.?ncy=\\\\d+ms"', pushed: (s) => s.contains[0] === 'late' },
  { query: '{app="api-service"} |~ `"status":5\\d\\d`', pushed: (s) => s.contains[0] === '"status":5' },
  // not pushed: != stays in the pipeline; a filter after a line rewrite sees the rewritten line
  { query: '{namespace="prod"} != "gpt"', pushed: (s) => s.contains.length === 0 },
  {
    query: '{app="api-service"} | json | line_format "x{{.status}}" |= "x5"',
    pushed: (s) => s.contains.length === 0,
  },
  { query: '{namespace="prod"} |~ "(?i)CHAT"', pushed: (s) => s.contains.length === 0 },
  // trace_id through the trace index
  { query: '{trace_id="t3"}', pushed: (s) => s.traceIndex === 't3' },
  { query: '{app="api-service", trace_id="t3"} |= "chat"', pushed: (s) => s.traceIndex === 't3' },
  { query: '{namespace=~".+"} | trace_id="t1"', pushed: (s) => s.traceIndex === 't1' },
  // numeric filters after | json as field bounds
  {
    query: '{app="api-service"} | json | latency_ms > 100',
    pushed: (s) => s.fieldBounds[0] === 'latency_ms > 100',
  },
  {
    query: '{app="api-service"} | json | latency_ms >= 120 and status < 600',
    pushed: (s) => s.fieldBounds.length === 2,
  },
  { query: '{app="api-service"} | json | latency_ms == 900', pushed: (s) => s.fieldBounds.length === 1 },
  // metric queries: the labels they need, with the other pushdowns
  {
    query: 'sum by (path) (rate({app="api-service"} | json | unwrap latency_ms [1m]))',
    pushed: (s) => Array.isArray(s.labels) && s.labels.includes('path') && s.groupedBy === 'by (path)',
  },
  {
    query: 'sum by (path) (count_over_time({app="api-service"} |= "chat" | json | latency_ms > 500 [1m]))',
    pushed: (s) => s.contains[0] === 'chat' && s.fieldBounds[0] === 'latency_ms > 500',
  },
  { query: 'sum(count_over_time({trace_id="t3"}[1m]))', pushed: (s) => s.traceIndex === 't3' },
  {
    query: 'sum by (level) (bytes_over_time({namespace="prod"} |~ "back.nd" [1m]))',
    pushed: (s) => s.contains[0] === 'back' && s.labels !== 'all',
  },
  {
    query: 'max_over_time({app="api-service"} | json | unwrap latency_ms [1m]) by (user_tier)',
    pushed: (s) => s.labels !== 'all',
  },
];

const isMetric = (q: string) => !q.startsWith('{');

for (const [k, storage] of stores.entries()) {
  describe(`pushdowns answer as the pipeline alone (${k === 0 ? 'rows' : 'sealed chunks'})`, () => {
    const on = new QueryEngine(storage, () => DEFAULT_LIMITS);
    const off = new QueryEngine(storage, () => DEFAULT_LIMITS, { pushdown: false });
    for (const c of CASES) {
      test(c.query, async () => {
        const params: QueryParams = {
          query: c.query,
          start: BASE,
          end: BASE + 60n * SEC,
          step: 10n * SEC,
          limit: 100,
          direction: 'backward',
          instant: false,
        };
        const pushed = await on.run('fake', params);
        const plain = await off.run('fake', params);
        assert.deepEqual(pushed.data, plain.data);
        assert.ok(c.pushed(pushed.stats.plan.selectors[0]!), JSON.stringify(pushed.stats.plan));
        assert.equal(plain.stats.plan.pushdown, false);
        const p = plain.stats.plan.selectors[0]!;
        assert.deepEqual([p.contains, p.fieldBounds, p.labels, p.traceIndex], [[], [], 'all', undefined]);
        if (!isMetric(c.query)) {
          // The answers are not all empty: the table checks something.
          assert.equal(pushed.data.resultType, 'streams');
        }
      });
    }

    test('the table is not vacuous: most queries return data', async () => {
      let nonEmpty = 0;
      for (const c of CASES) {
        const { data } = await on.run('fake', {
          query: c.query,
          start: BASE,
          end: BASE + 60n * SEC,
          step: 10n * SEC,
          limit: 100,
          direction: 'backward',
          instant: false,
        });
        if (data.resultType !== 'scalar' && data.result.length > 0) nonEmpty++;
      }
      assert.ok(nonEmpty >= CASES.length - 3, `${nonEmpty} of ${CASES.length}`);
    });

    test('a range query split into intervals answers as the unsplit query', async () => {
      const split = new QueryEngine(storage, () => DEFAULT_LIMITS, { splitInterval: 15n * SEC });
      const whole = new QueryEngine(storage, () => DEFAULT_LIMITS, { splitInterval: 0n });
      for (const query of [
        'sum by (path) (rate({app="api-service"} | json | unwrap latency_ms [5s]))',
        'count_over_time({namespace="prod"}[10s])',
        'topk(1, sum by (app) (count_over_time({namespace=~".+"}[10s])))',
        'sum(count_over_time({app="api-service"}[10s])) / sum(count_over_time({namespace="prod"}[10s]))',
        'label_replace(sum by (app) (count_over_time({namespace=~".+"}[5s])), "a", "$1", "app", "(.*)-.*")',
        '1 + 2',
      ]) {
        const params: QueryParams = {
          query,
          start: BASE + 3n * SEC,
          end: BASE + 58n * SEC,
          step: 5n * SEC,
          limit: 100,
          direction: 'backward',
          instant: false,
        };
        const a = await split.run('fake', params);
        const b = await whole.run('fake', params);
        assert.deepEqual(a.data, b.data, query);
        if (query !== '1 + 2') assert.ok(a.stats.plan.splits >= 4, `${query}: ${a.stats.plan.splits} splits`);
        assert.equal(b.stats.plan.splits, 1);
      }
    });
  });
}

describe('a range query run as sub-queries, one per split, merges into its answer', () => {
  const storage = stores[0]!;
  const engine = new QueryEngine(storage, () => DEFAULT_LIMITS, { splitInterval: 15n * SEC });
  for (const query of [
    'sum by (path) (rate({app="api-service"} | json | unwrap latency_ms [5s]))',
    'topk(1, sum by (app) (count_over_time({namespace=~".+"}[10s])))',
    'count_over_time({namespace="prod"}[10s]) > 0',
  ]) {
    test(query, async () => {
      const params: QueryParams = {
        query,
        start: BASE + 3n * SEC,
        end: BASE + 58n * SEC,
        step: 5n * SEC,
        limit: 100,
        direction: 'backward',
        instant: false,
      };
      const subs = engine.subqueries('fake', params);
      assert.ok(subs.length >= 4, `${subs.length} sub-queries`);
      const parts = await Promise.all(subs.map((p) => engine.run('fake', p)));
      const merged = mergeSubqueries(parts, DEFAULT_LIMITS.max_query_series);
      const whole = await engine.run('fake', params);
      assert.deepEqual(merged.data, whole.data);
      assert.equal(merged.stats.plan.splits, subs.length);
      assert.equal(merged.stats.linesProcessed, whole.stats.linesProcessed);
    });
  }

  test('the merge enforces max_query_series on the whole', async () => {
    const params: QueryParams = {
      query: 'count_over_time({namespace=~".+"}[5s])',
      start: BASE + 3n * SEC,
      end: BASE + 58n * SEC,
      step: 5n * SEC,
      limit: 100,
      direction: 'backward',
      instant: false,
    };
    const parts = await Promise.all(engine.subqueries('fake', params).map((p) => engine.run('fake', p)));
    assert.throws(() => mergeSubqueries(parts, 2), { code: 'MAX_QUERY_SERIES' });
    assert.deepEqual(engine.subqueries('fake', { ...params, instant: true }), [{ ...params, instant: true }]);
  });
});
