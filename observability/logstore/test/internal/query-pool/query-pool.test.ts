// Queries in worker threads: the same answers as on the main thread, stopped by their deadline or their
// client across the thread boundary, a worker that dies or does not stop replaced, and pushes answered
// while every worker is busy.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BroadcastChannel } from 'node:worker_threads';
import { LogStoreApi, type LogStoreApiOptions } from '../../../src/internal/api/log-store-api.js';
import { LogStoreError } from '../../../src/internal/api/log-store-error.js';
import { createLogStore } from '../../../src/internal/http/server.js';
import { DEFAULT_LIMITS } from '../../../src/internal/limits.js';
import { QueryError, type QueryParams } from '../../../src/internal/logql/engine.js';
import { CASES, DATASET, LINES, SEC } from '../logql/conformance-cases.js';
import { READS_CHANNEL } from './slow-worker-channel.js';

const NS = 1_000_000_000n;
const nowNs = () => BigInt(Date.now()) * 1_000_000n;
const SLOW_WORKER = new URL('./slow-worker.js', import.meta.url);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'opsight-query-pool-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A file store whose queries run in workers. */
function poolStore(options: Partial<LogStoreApiOptions> = {}): LogStoreApi {
  return new LogStoreApi({ dataDir: tempDir(), queryWorkers: 1, sealIntervalMs: 0, ...options });
}

/** A query's outcome in comparable form: its data, or its error's class and fields. */
async function outcome(run: () => Promise<{ data: unknown }>): Promise<unknown> {
  try {
    return { data: (await run()).data };
  } catch (e) {
    if (e instanceof QueryError)
      return { error: 'QueryError', status: e.status, code: e.code, message: e.message, field: e.field };
    if (e instanceof LogStoreError)
      return { error: 'LogStoreError', status: e.status, code: e.code, message: e.message, field: e.field };
    throw e;
  }
}

describe('queries answered by workers equal the answers on the main thread', () => {
  const BASE = 1_700_000_000n * SEC;
  let api: LogStoreApi;
  before(() => {
    api = poolStore({ queryWorkers: 2 });
    api.storage.append(
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
  });
  after(() => api.close());

  const paramsOf = (c: (typeof CASES)[number]): Omit<QueryParams, 'signal' | 'deadline'> => {
    const isRange = c.range !== undefined || 'lines' in c.expect || 'matrix' in c.expect;
    const [s, e, st] = c.range ?? [0, 60, 1];
    return {
      query: c.query,
      start: isRange ? BASE + BigInt(s) * SEC : BASE + 60n * SEC,
      end: isRange ? BASE + BigInt(e) * SEC + (c.range ? 0n : 1n) : BASE + 60n * SEC,
      step: BigInt(st) * SEC,
      limit: c.limit ?? 100,
      direction: c.direction ?? 'backward',
      instant: !isRange,
    };
  };

  const compareAll = async () => {
    assert.ok(CASES.length >= 150);
    for (const c of CASES) {
      const p = paramsOf(c);
      const inline = await outcome(() => api.engine.run('fake', p));
      const inWorker = await outcome(() =>
        api.pool!.run(
          'fake',
          p,
          DEFAULT_LIMITS,
          { deadline: Date.now() + 60_000 },
          api.storage.streamBounds(),
        ),
      );
      assert.deepEqual(inWorker, inline, c.query);
    }
  };

  test('every conformance case, over rows', compareAll);

  test('every conformance case, over sealed chunks', async () => {
    assert.ok(api.storage.seal(0n, 1) > 0);
    await compareAll();
  });

  test('a stream created after a worker started is seen by its next query', async () => {
    await api.rangeQuery('fake', { query: '{app=~".+"}', limit: 10, direction: 'backward' });
    const ts = nowNs() - 5n * NS;
    api.storage.append('fake', [{ labels: { app: 'newcomer' }, entries: [{ ts, line: 'hello' }] }]);
    const out = await api.rangeQuery('fake', {
      query: '{app="newcomer"}',
      limit: 10,
      direction: 'backward',
      start: ts - NS,
      end: ts + NS,
    });
    assert.deepEqual(out.data, {
      resultType: 'streams',
      result: [{ stream: { app: 'newcomer' }, values: [[ts.toString(), 'hello']] }],
    });
  });
});

describe('stopping a query in a worker', () => {
  const STREAMS = 300;
  let reads = 0;
  let channel: BroadcastChannel;
  before(() => {
    channel = new BroadcastChannel(READS_CHANNEL);
    channel.onmessage = () => {
      reads++;
    };
  });
  after(() => channel.close());

  /** A store with a slow worker, holding one entry in each of STREAMS streams. */
  function slowStore(options: Partial<LogStoreApiOptions> = {}): LogStoreApi {
    const api = poolStore({ queryWorkerFile: SLOW_WORKER, queryWorkerGraceMs: 10_000, ...options });
    const ts = nowNs() - 10n * NS;
    api.storage.append(
      'fake',
      Array.from({ length: STREAMS }, (_, i) => ({
        labels: { app: `s${i}` },
        entries: [{ ts, line: `line of s${i}` }],
      })),
    );
    return api;
  }
  const SLOW = { query: 'sum(count_over_time({app=~".+"}[1m]))', limit: 100, direction: 'backward' } as const;

  /** Waits until the reads stop growing; returns their count. */
  async function settled(): Promise<number> {
    for (;;) {
      const n = reads;
      await sleep(100);
      if (reads === n) return n;
    }
  }

  /** The worker answers a quick query: it is free again, and was not replaced. */
  async function stillServes(api: LogStoreApi): Promise<void> {
    const out = await api.rangeQuery('fake', { query: '{app="s1"}', limit: 10, direction: 'backward' });
    assert.equal(out.data.resultType, 'streams');
    assert.equal(api.pool!.replaced, 0, 'the worker stopped the query itself');
    assert.equal(api.pool!.workers(), 1);
  }

  test('at its deadline: 504 QUERY_TIMEOUT, and the worker stops reading', async () => {
    const api = slowStore({ limits: { query_timeout_ms: 1000 } });
    try {
      reads = 0;
      await assert.rejects(api.instantQuery('fake', SLOW), (e: unknown) => {
        assert.ok(e instanceof QueryError, String(e));
        assert.equal(e.status, 504);
        assert.equal(e.code, 'QUERY_TIMEOUT');
        return true;
      });
      const atStop = await settled();
      assert.ok(atStop < STREAMS, `${atStop} of ${STREAMS} streams read`);
      await stillServes(api);
    } finally {
      api.close();
    }
  });

  test('when its client goes away: 499 QUERY_CANCELLED, and the worker stops reading', async () => {
    const api = slowStore();
    try {
      reads = 0;
      const client = new AbortController();
      const q = api.instantQuery('fake', SLOW, { signal: client.signal });
      while (reads === 0) await sleep(5);
      client.abort();
      await assert.rejects(q, (e: unknown) => {
        assert.equal((e as { status?: number }).status, 499);
        assert.equal((e as { code?: string }).code, 'QUERY_CANCELLED');
        return true;
      });
      const atStop = await settled();
      assert.ok(atStop < STREAMS, `${atStop} of ${STREAMS} streams read`);
      assert.equal(api.gate.running(), 0, 'the turn was given back');
      await stillServes(api);
    } finally {
      api.close();
    }
  });

  test('a worker that does not stop within the grace period is terminated and replaced', async () => {
    const api = slowStore({ queryWorkerGraceMs: 100 });
    try {
      const client = new AbortController();
      const q = api.rangeQuery('fake', { ...SLOW, query: '{app="stuck"}' }, { signal: client.signal });
      setTimeout(() => client.abort(), 100);
      await assert.rejects(q, { code: 'QUERY_CANCELLED' });
      assert.equal(api.pool!.replaced, 1);
      assert.equal(api.gate.running(), 0, 'the turn was given back');
      const out = await api.rangeQuery('fake', { query: '{app="s1"}', limit: 10, direction: 'backward' });
      assert.equal(out.data.resultType, 'streams');
    } finally {
      api.close();
    }
  });

  test('a worker that crashes fails its query (an internal error, not a refusal) and is replaced', async () => {
    const api = slowStore();
    try {
      await assert.rejects(api.rangeQuery('fake', { ...SLOW, query: '{app="crash"}' }), (e: unknown) => {
        assert.ok(!(e instanceof QueryError) && !(e instanceof LogStoreError), String(e));
        return true;
      });
      assert.equal(api.pool!.replaced, 1);
      const out = await api.rangeQuery('fake', { query: '{app="s1"}', limit: 10, direction: 'backward' });
      assert.deepEqual(out.data.resultType, 'streams');
    } finally {
      api.close();
    }
  });

  test('a query waiting for a busy worker leaves the queue at its deadline or its abort; close fails the rest', async () => {
    const api = slowStore();
    const pool = api.pool!;
    const params = { ...SLOW, start: nowNs(), end: nowNs(), step: 0n, instant: true };
    reads = 0;
    const busy = pool.run('fake', params, DEFAULT_LIMITS, { deadline: Date.now() + 60_000 });
    const busyOutcome = busy.then(
      () => 'answered',
      (e: Error) => e.message,
    );
    while (reads === 0) await sleep(5);
    const late = pool.run('fake', params, DEFAULT_LIMITS, { deadline: Date.now() + 50 });
    const client = new AbortController();
    const gone = pool.run('fake', params, DEFAULT_LIMITS, {
      deadline: Date.now() + 60_000,
      signal: client.signal,
    });
    const left = pool.run('fake', params, DEFAULT_LIMITS, { deadline: Date.now() + 60_000 }).then(
      () => 'answered',
      (e: Error) => e.message,
    );
    assert.equal(pool.waiting(), 3);
    await assert.rejects(late, { code: 'QUERY_TIMEOUT' });
    client.abort();
    await assert.rejects(gone, { code: 'QUERY_CANCELLED' });
    assert.equal(pool.waiting(), 1);
    assert.equal(pool.running(), 1);
    await pool.close();
    assert.equal(await left, 'the query pool is closed');
    assert.equal(await busyOutcome, 'the query pool is closed');
    assert.equal(pool.waiting(), 0);
    api.close();
  });

  test("a tail's history runs in a worker; its live follow stays on the main thread", async () => {
    const api = slowStore();
    try {
      const start = nowNs() - 60n * NS;
      const history = await api.tail('fake', '{app="s1"}').history(start, 10);
      assert.deepEqual(
        history.map((s) => s.stream),
        [{ app: 's1' }],
      );
      await assert.rejects(api.tail('fake', '{app="crash"}').history(start, 10));
      assert.equal(api.pool!.replaced, 1, 'the history query ran in the worker that crashed');
      const followed: unknown[] = [];
      const stop = api.tail('fake', '{app="crash"}').follow((batch) => followed.push(batch));
      api.push('fake', [{ labels: { app: 'crash' }, entries: [{ ts: nowNs(), line: 'live' }] }]);
      stop();
      assert.equal(followed.length, 1);
      assert.equal(api.pool!.replaced, 1);
    } finally {
      api.close();
    }
  });

  test('over HTTP: a push is answered while every worker is busy, and a crash answers 500', async () => {
    const store = createLogStore({
      dataDir: tempDir(),
      port: 0,
      queryWorkers: 1,
      queryWorkerFile: SLOW_WORKER,
      logError: () => {},
    });
    await store.listen();
    const ts = nowNs() - 10n * NS;
    store.api.push(
      'fake',
      Array.from({ length: STREAMS }, (_, i) => ({ labels: { app: `s${i}` }, entries: [{ ts, line: 'x' }] })),
    );
    try {
      reads = 0;
      const client = new AbortController();
      const q = new URLSearchParams({ query: SLOW.query });
      const query = fetch(`${store.url}/loki/api/v1/query?${q}`, { signal: client.signal }).catch(() => {});
      while (reads === 0) await sleep(5);
      const pushed = await fetch(`${store.url}/loki/api/v1/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ streams: [{ stream: { app: 'late' }, values: [[String(nowNs()), 'late']] }] }),
      });
      assert.equal(pushed.status, 204);
      assert.equal(store.api.pool!.running(), 1, 'the query still runs in its worker');
      assert.ok(reads < STREAMS, `${reads} of ${STREAMS} streams read when the push was answered`);
      client.abort();
      await query;
      await settled();
      const crash = await fetch(
        `${store.url}/loki/api/v1/query_range?${new URLSearchParams({ query: '{app="crash"}' })}`,
      );
      assert.equal(crash.status, 500);
      assert.equal(((await crash.json()) as { code: string }).code, 'INTERNAL');
    } finally {
      await store.close();
    }
  });
});

describe('a split metric range query runs its splits in several workers at once', () => {
  const HOUR = 3600n * NS;
  // Three hours and a half of one line a minute in two streams, starting mid-hour: four splits of 1 h.
  const start = 1_700_001_800n * NS;
  let api: LogStoreApi;
  before(() => {
    api = poolStore({ queryWorkers: 2 });
    api.storage.append(
      'fake',
      ['a', 'b'].map((app) => ({
        labels: { app },
        entries: Array.from({ length: 210 }, (_, i) => ({
          ts: start + BigInt(i) * 60n * NS,
          line: JSON.stringify({ app, latency_ms: (i * 37) % 500, path: i % 3 === 0 ? '/a' : '/b' }),
        })),
      })),
    );
  });
  after(() => api.close());

  test('the merged answer equals the whole query on the main thread, and its stats count every split', async () => {
    const query = 'sum by (path) (rate({app=~"a|b"} | json | unwrap latency_ms [5m]))';
    const range = { query, start, end: start + 3n * HOUR + HOUR / 2n, step: 60n * NS };
    const merged = await api.rangeQuery('fake', { ...range, limit: 100, direction: 'backward' });
    const inline = await api.engine.run('fake', {
      ...range,
      limit: 100,
      direction: 'backward',
      instant: false,
    });
    assert.equal(merged.data.resultType, 'matrix');
    assert.deepEqual(merged.data, inline.data);
    assert.ok(merged.stats.plan.splits >= 4, `splits ${merged.stats.plan.splits}`);
    assert.equal(merged.stats.linesProcessed >= inline.stats.linesProcessed, true);
  });

  test('a split that fails fails the query with its error', async () => {
    const query = 'sum by (path) (rate({app=~"a|b"} | json | unwrap path [5m]))';
    await assert.rejects(
      api.rangeQuery('fake', {
        query,
        start,
        end: start + 3n * HOUR,
        step: 60n * NS,
        limit: 100,
        direction: 'backward',
      }),
      (e: unknown) => e instanceof QueryError && e.code === 'PIPELINE_ERROR',
    );
    // The pool is whole again: the next query is answered.
    const ok = await api.rangeQuery('fake', {
      query: 'count_over_time({app="a"}[5m])',
      start,
      end: start + 3n * HOUR,
      step: 300n * NS,
      limit: 100,
      direction: 'backward',
    });
    assert.equal(ok.data.resultType, 'matrix');
  });
});
