// Loki's query limits over HTTP, each at its edge (the limit passes, one more is refused with a stable
// code and the offending parameter), the query deadline, and a query stopped when its client goes away.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogStore, type LogStore } from '../../../src/internal/http/server.js';
import type { Limits } from '../../../src/internal/limits.js';

const NS = 1_000_000_000n;
const HOUR = 3600n * NS;
const nowNs = () => BigInt(Date.now()) * 1_000_000n;

/** A store with these limits, holding one entry in each of `streams` streams (app=s0, s1, …). */
async function storeWith(limits: Partial<Limits>, streams = 3): Promise<LogStore> {
  const store = createLogStore({ dataDir: ':memory:', port: 0, limits });
  await store.listen();
  const ts = nowNs() - 10n * NS;
  store.api.push(
    'fake',
    Array.from({ length: streams }, (_, i) => ({
      labels: { app: `s${i}` },
      entries: [{ ts, line: `line of s${i}` }],
    })),
  );
  return store;
}

const get = (store: LogStore, path: string, params: Record<string, string | bigint | number>) => {
  const q = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
  return fetch(`${store.url}${path}?${q}`);
};

async function refusal(res: Response): Promise<Record<string, unknown>> {
  assert.equal(res.headers.get('content-type')?.split(';')[0], 'application/json');
  return (await res.json()) as Record<string, unknown>;
}

/** The value of a counter of the store for these labels (0 when never counted). */
async function counted(
  counter: LogStore['metrics']['queryRefusals'],
  labels: Record<string, string>,
): Promise<number> {
  const { values } = await counter.get();
  const hit = values.find((v) =>
    Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x),
  );
  return hit?.value ?? 0;
}

/** Busy work on the store's one thread, as a scan of a large chunk is. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

describe('max_query_length', () => {
  let store: LogStore;
  before(async () => {
    store = await storeWith({ max_query_length_ms: 3600_000 });
  });
  after(() => store.close());

  test('a range of exactly the limit is answered; one nanosecond more is refused 400 QUERY_TOO_LONG', async () => {
    const end = nowNs();
    const ok = await get(store, '/loki/api/v1/query_range', {
      query: '{app="s0"}',
      start: end - HOUR,
      end,
    });
    assert.equal(ok.status, 200);
    const res = await get(store, '/loki/api/v1/query_range', {
      query: '{app="s0"}',
      start: end - HOUR - 1n,
      end,
    });
    assert.equal(res.status, 400);
    assert.deepEqual(await refusal(res), {
      status: 'error',
      code: 'QUERY_TOO_LONG',
      error: 'the query time range exceeds the limit (query length: 1h0m0.000000001s, limit: 1h0m0s)',
      field: 'start',
    });
    assert.equal(await counted(store.metrics.queryRefusals, { tenant: 'fake', code: 'QUERY_TOO_LONG' }), 1);
  });

  test('the range a metric query reads counts too: an instant query over [2h] is refused, [1h] is answered', async () => {
    const ok = await get(store, '/loki/api/v1/query', { query: 'count_over_time({app="s0"}[1h])' });
    assert.equal(ok.status, 200);
    const res = await get(store, '/loki/api/v1/query', { query: 'sum(count_over_time({app="s0"}[2h]))' });
    assert.equal(res.status, 400);
    assert.deepEqual(await refusal(res), {
      status: 'error',
      code: 'QUERY_TOO_LONG',
      error: 'the query time range exceeds the limit (query length: 2h0m0s, limit: 1h0m0s)',
      field: 'query',
    });
    // A range query is read split by split (1h): its range plus one split must fit.
    const end = nowNs();
    const range = await get(store, '/loki/api/v1/query_range', {
      query: 'count_over_time({app="s0"}[30m])',
      start: end - HOUR,
      end,
      step: 60,
    });
    assert.equal(range.status, 400);
    assert.equal((await refusal(range)).code, 'QUERY_TOO_LONG');
    const short = await get(store, '/loki/api/v1/query_range', {
      query: 'count_over_time({app="s0"}[30m])',
      start: end - HOUR / 2n,
      end,
      step: 60,
    });
    assert.equal(short.status, 200);
  });

  test('labels, label values, series, index stats and volume are bounded the same way', async () => {
    const end = nowNs();
    const paths: Array<[string, Record<string, string>]> = [
      ['/loki/api/v1/labels', {}],
      ['/loki/api/v1/label/app/values', {}],
      ['/loki/api/v1/series', { 'match[]': '{app=~".+"}' }],
      ['/loki/api/v1/index/stats', { query: '{app=~".+"}' }],
      ['/loki/api/v1/index/volume', { query: '{app=~".+"}' }],
    ];
    for (const [path, extra] of paths) {
      const ok = await get(store, path, { ...extra, start: end - HOUR, end });
      assert.equal(ok.status, 200, path);
      const res = await get(store, path, { ...extra, start: end - 2n * HOUR, end });
      assert.equal(res.status, 400, path);
      const body = await refusal(res);
      assert.equal(body.code, 'QUERY_TOO_LONG', path);
      assert.equal(body.field, 'start', path);
    }
  });
});

describe('max_entries_limit_per_query and max_query_series', () => {
  let store: LogStore;
  before(async () => {
    store = await storeWith({ max_entries_limit_per_query: 3, max_query_series: 2 });
  });
  after(() => store.close());

  test('a log query may ask for max_entries_limit_per_query entries; one more is refused 400', async () => {
    const ok = await get(store, '/loki/api/v1/query_range', { query: '{app=~".+"}', limit: 3 });
    assert.equal(ok.status, 200);
    const res = await get(store, '/loki/api/v1/query_range', { query: '{app=~".+"}', limit: 4 });
    assert.equal(res.status, 400);
    assert.deepEqual(await refusal(res), {
      status: 'error',
      code: 'MAX_ENTRIES_LIMIT',
      error: 'max entries limit per query exceeded, limit > max_entries_limit_per_query (4 > 3)',
      field: 'limit',
    });
    assert.equal(await counted(store.metrics.queryRefusals, { code: 'MAX_ENTRIES_LIMIT' }), 1);
  });

  test('a metric query may return max_query_series series; one more is refused 400', async () => {
    const ok = await get(store, '/loki/api/v1/query', { query: 'count_over_time({app=~"s0|s1"}[1m])' });
    assert.equal(ok.status, 200);
    const data = (await ok.json()) as { data: { result: unknown[] } };
    assert.equal(data.data.result.length, 2);
    const res = await get(store, '/loki/api/v1/query', { query: 'count_over_time({app=~".+"}[1m])' });
    assert.equal(res.status, 400);
    assert.deepEqual(await refusal(res), {
      status: 'error',
      code: 'MAX_QUERY_SERIES',
      error: 'maximum number of series (2) reached for a single query',
      field: 'query',
    });
  });
});

describe('max_query_parallelism and the queue', () => {
  let store: LogStore;
  before(async () => {
    store = await storeWith({
      max_query_parallelism: 1,
      max_outstanding_requests_per_tenant: 1,
      max_queue_wait_ms: 150,
    });
  });
  after(() => store.close());

  test('with every turn taken, one query waits then gets 429 QUERY_QUEUE_TIMEOUT; one more gets 429 at once', async () => {
    // The tenant's only turn, held as a running query would hold it.
    const release = await store.api.gate.enter('fake', { deadline: Date.now() + 60_000 });
    try {
      const started = Date.now();
      const waiting = get(store, '/loki/api/v1/query_range', { query: '{app="s0"}' });
      await new Promise((r) => setTimeout(r, 30));
      const over = await get(store, '/loki/api/v1/query_range', { query: '{app="s1"}' });
      assert.equal(over.status, 429);
      assert.equal(over.headers.get('retry-after'), '1');
      assert.deepEqual(await refusal(over), {
        status: 'error',
        code: 'TOO_MANY_OUTSTANDING_REQUESTS',
        error: 'too many outstanding requests',
      });
      const timedOut = await waiting;
      assert.equal(timedOut.status, 429);
      assert.ok(Date.now() - started >= 140, `answered after ${Date.now() - started} ms`);
      const body = await refusal(timedOut);
      assert.equal(body.code, 'QUERY_QUEUE_TIMEOUT');
      assert.match(String(body.error), /waited 150ms for a turn/);
      assert.equal(await counted(store.metrics.queryRefusals, { code: 'TOO_MANY_OUTSTANDING_REQUESTS' }), 1);
      assert.equal(await counted(store.metrics.queryRefusals, { code: 'QUERY_QUEUE_TIMEOUT' }), 1);
    } finally {
      release();
    }
    const ok = await get(store, '/loki/api/v1/query_range', { query: '{app="s0"}' });
    assert.equal(ok.status, 200);
  });

  test("a query's stats give the time it waited for its turn as queueTime", async () => {
    const release = await store.api.gate.enter('fake', { deadline: Date.now() + 60_000 });
    const waiting = get(store, '/loki/api/v1/query_range', { query: '{app="s0"}' });
    await new Promise((r) => setTimeout(r, 100));
    release();
    const res = await waiting;
    assert.equal(res.status, 200);
    const { data } = (await res.json()) as { data: { stats: { summary: { queueTime: number } } } };
    assert.ok(data.stats.summary.queueTime >= 0.09, `queueTime ${data.stats.summary.queueTime}`);
    const alone = await get(store, '/loki/api/v1/query_range', { query: '{app="s0"}' });
    const quick = (await alone.json()) as { data: { stats: { summary: { queueTime: number } } } };
    assert.ok(quick.data.stats.summary.queueTime < 0.09, `queueTime ${quick.data.stats.summary.queueTime}`);
  });
});

describe('deadline and cancellation', () => {
  const STREAMS = 40;
  const PER_STREAM_MS = 10;
  let store: LogStore;
  let scanned = 0;
  before(async () => {
    store = await storeWith({ query_timeout_ms: 100 }, STREAMS);
    // Each stream's scan takes PER_STREAM_MS of the store's thread: a whole query takes 400 ms.
    const forEachInRange = store.storage.forEachInRange.bind(store.storage);
    store.storage.forEachInRange = (...args) => {
      scanned++;
      spin(PER_STREAM_MS);
      forEachInRange(...args);
    };
  });
  after(() => store.close());

  test('a slow metric query stops at its deadline: 504 QUERY_TIMEOUT, the rest of its streams unread', async () => {
    scanned = 0;
    const started = performance.now();
    const res = await get(store, '/loki/api/v1/query', { query: 'sum(count_over_time({app=~".+"}[1m]))' });
    const took = performance.now() - started;
    assert.equal(res.status, 504);
    const body = await refusal(res);
    assert.equal(body.code, 'QUERY_TIMEOUT');
    assert.ok(scanned < STREAMS / 2, `${scanned} of ${STREAMS} streams read`);
    assert.ok(took < STREAMS * PER_STREAM_MS, `answered after ${Math.round(took)} ms`);
    assert.equal(await counted(store.metrics.queriesStopped, { tenant: 'fake', reason: 'deadline' }), 1);
  });

  test('a slow log query stops at its deadline too (checked within a stream every 1024 lines)', async () => {
    const ts = nowNs() - 5n * NS;
    store.api.push('fake', [
      {
        labels: { app: 'big' },
        entries: Array.from({ length: 3000 }, (_, i) => ({ ts: ts + BigInt(i), line: `entry ${i}` })),
      },
    ]);
    const scanStream = store.storage.scanStream.bind(store.storage);
    let read = 0;
    store.storage.scanStream = function* (...args) {
      for (const e of scanStream(...args)) {
        read++;
        spin(0.1);
        yield e;
      }
    };
    try {
      const res = await get(store, '/loki/api/v1/query_range', { query: '{app="big"}', limit: 5000 });
      assert.equal(res.status, 504);
      assert.equal((await refusal(res)).code, 'QUERY_TIMEOUT');
      assert.ok(read < 3000, `${read} of 3000 entries read`);
    } finally {
      store.storage.scanStream = scanStream;
    }
  });

  test('a query whose client goes away stops at its next check and is counted as cancelled', async () => {
    const slow = await storeWith({}, STREAMS);
    let read = 0;
    const forEachInRange = slow.storage.forEachInRange.bind(slow.storage);
    slow.storage.forEachInRange = (...args) => {
      read++;
      spin(PER_STREAM_MS);
      forEachInRange(...args);
    };
    try {
      const client = new AbortController();
      const q = new URLSearchParams({ query: 'sum(count_over_time({app=~".+"}[1m]))' });
      const res = fetch(`${slow.url}/loki/api/v1/query?${q}`, { signal: client.signal });
      setTimeout(() => client.abort(), 60);
      await assert.rejects(res, { name: 'AbortError' });
      const deadline = Date.now() + 5_000;
      while ((await counted(slow.metrics.queriesStopped, { reason: 'cancelled' })) === 0) {
        assert.ok(Date.now() < deadline, 'the query was not counted as cancelled');
        await new Promise((r) => setTimeout(r, 10));
      }
      const atStop = read;
      assert.ok(atStop < STREAMS, `${atStop} of ${STREAMS} streams read`);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(read, atStop, 'no stream is read after the stop');
      assert.equal(slow.api.gate.running(), 0, 'the turn was given back');
    } finally {
      await slow.close();
    }
  });

  test('a push made while a slow query runs is answered before the query', async () => {
    const slow = await storeWith({}, STREAMS);
    const forEachInRange = slow.storage.forEachInRange.bind(slow.storage);
    slow.storage.forEachInRange = (...args) => {
      spin(PER_STREAM_MS);
      forEachInRange(...args);
    };
    try {
      const done: string[] = [];
      const query = get(slow, '/loki/api/v1/query', {
        query: 'sum(count_over_time({app=~".+"}[1m]))',
      }).then(async (r) => {
        done.push(`query ${r.status}`);
        await r.body?.cancel();
      });
      await new Promise((r) => setTimeout(r, 40));
      const pushed = fetch(`${slow.url}/loki/api/v1/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ streams: [{ stream: { app: 'late' }, values: [[String(nowNs()), 'late']] }] }),
      }).then((r) => done.push(`push ${r.status}`));
      await Promise.all([query, pushed]);
      assert.deepEqual(done, ['push 204', 'query 200']);
    } finally {
      await slow.close();
    }
  });
});
