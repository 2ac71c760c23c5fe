import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LogStoreApi, type TailBatch } from '../../../src/internal/api/log-store-api.js';
import { LogStoreError } from '../../../src/internal/api/log-store-error.js';
import { QueryError } from '../../../src/internal/logql/engine.js';

const NS = 1_000_000_000n;
const now = BigInt(Date.now()) * 1_000_000n;
let api: LogStoreApi;

before(() => {
  api = new LogStoreApi({ dataDir: ':memory:', retentionMaxBytes: 0 });
  const outcome = api.push('t1', [
    {
      labels: { app: 'api', level: 'INFO' },
      entries: [
        { ts: now - 3n * NS, line: 'GET /v1/models 200', metadata: { trace_id: 'tr-1' } },
        { ts: now - 2n * NS, line: 'POST /v1/chat 200' },
      ],
    },
    { labels: '{app="router", level="ERROR"}', entries: [{ ts: now - NS, line: 'backend failed' }] },
  ]);
  assert.equal(outcome.status, 204);
  assert.equal(outcome.accepted, 3);
  api.push('t2', [{ labels: { app: 'other-tenant' }, entries: [{ ts: now - NS, line: 'not yours' }] }]);
});
after(() => api.close());

const lines = (data: { resultType: string; result: unknown }) =>
  (data.result as Array<{ values: Array<[string, string]> }>).flatMap((s) => s.values.map((v) => v[1]));

test('a range query reads what was pushed, for its tenant only', async () => {
  const out = await api.rangeQuery('t1', { query: '{app=~".+"}', limit: 100, direction: 'forward' });
  assert.equal(out.data.resultType, 'streams');
  assert.deepEqual(lines(out.data).sort(), ['GET /v1/models 200', 'POST /v1/chat 200', 'backend failed']);
  assert.equal(out.stats.entriesReturned, 3);
  const t2 = await api.rangeQuery('t2', { query: '{app=~".+"}', limit: 100, direction: 'forward' });
  assert.deepEqual(lines(t2.data), ['not yours']);
});

test('structured metadata is queryable and the limit and direction apply', async () => {
  const byTrace = await api.rangeQuery('t1', {
    query: '{app="api"} | trace_id="tr-1"',
    limit: 100,
    direction: 'forward',
  });
  assert.deepEqual(lines(byTrace.data), ['GET /v1/models 200']);
  const newest = await api.rangeQuery('t1', { query: '{app="api"}', limit: 1, direction: 'backward' });
  assert.deepEqual(lines(newest.data), ['POST /v1/chat 200']);
});

test('an instant metric query counts at its time; a log query is refused', async () => {
  const out = await api.instantQuery('t1', {
    query: 'sum(count_over_time({app=~".+"}[1m]))',
    limit: 100,
    direction: 'backward',
    time: now,
  });
  assert.equal(out.data.resultType, 'vector');
  assert.equal((out.data.result as Array<{ value: [number, string] }>)[0]!.value[1], '3');
  await assert.rejects(
    async () => api.instantQuery('t1', { query: '{app="api"}', limit: 100, direction: 'backward' }),
    (e: LogStoreError) =>
      e instanceof LogStoreError && e.code === 'LOG_QUERY_NOT_INSTANT' && e.status === 400,
  );
});

test('a range query refuses an inverted range and a non-positive step, naming the parameter', async () => {
  const q = { query: 'count_over_time({app="api"}[1m])', limit: 100, direction: 'backward' as const };
  await assert.rejects(
    async () => api.rangeQuery('t1', { ...q, start: now, end: now - NS }),
    (e: LogStoreError) => e.code === 'INVALID_RANGE' && e.field === 'end' && e.status === 400,
  );
  await assert.rejects(
    async () => api.rangeQuery('t1', { ...q, step: 0n }),
    (e: LogStoreError) => e.code === 'INVALID_STEP' && e.field === 'step',
  );
  const out = await api.rangeQuery('t1', { ...q, start: now - 60n * NS, end: now, step: 30n * NS });
  assert.equal(out.data.resultType, 'matrix');
});

test('a query that does not parse is a QueryError', async () => {
  await assert.rejects(
    async () => api.rangeQuery('t1', { query: '{app=', limit: 100, direction: 'backward' }),
    (e: QueryError) => e instanceof QueryError && e.code === 'INVALID_QUERY',
  );
});

test('label names, label values and series follow the selectors and the tenant', () => {
  assert.deepEqual(api.labelNames('t1', {}), ['app', 'level']);
  assert.deepEqual(api.labelValues('t1', 'app', {}), ['api', 'router']);
  assert.deepEqual(api.labelValues('t1', 'level', { matchers: ['{app="router"}'] }), ['ERROR']);
  assert.deepEqual(api.labelValues('t2', 'app', {}), ['other-tenant']);
  assert.deepEqual(api.series('t1', { matchers: ['{level="INFO"}', '{app="api"}'] }), [
    { app: 'api', level: 'INFO' },
  ]);
  assert.deepEqual(api.series('t1', { matchers: ['{app="nothing"}'] }), []);
});

test('a selector must be a stream selector (INVALID_MATCH on match[])', () => {
  assert.throws(
    () => api.series('t1', { matchers: ['count_over_time({app="api"}[1m])'] }),
    (e: LogStoreError) => e.code === 'INVALID_MATCH' && e.field === 'match[]',
  );
});

test('the time range bounds the index', () => {
  assert.deepEqual(api.labelNames('t1', { start: now + 60n * NS, end: now + 120n * NS }), []);
});

test('index stats and volume count the selected entries and bytes', () => {
  const stats = api.indexStats('t1', { matchers: ['{app=~".+"}'] });
  assert.deepEqual(stats, { streams: 2, chunks: 0, entries: 3, bytes: stats.bytes });
  assert.ok(stats.bytes >= 'GET /v1/models 200POST /v1/chat 200backend failed'.length);
  const volume = api.volume('t1', { matchers: ['{app=~".+"}'], end: now }, ['app']);
  assert.equal(volume.end, now);
  assert.deepEqual(
    volume.volumes.map((v) => v.metric),
    [{ app: 'api' }, { app: 'router' }],
  );
  assert.ok(volume.volumes[0]!.bytes > volume.volumes[1]!.bytes);
});

test('a tail sends its history, then the matching entries of later pushes of its tenant', async () => {
  const tail = api.tail('t1', '{app="api"} |= "chat"');
  assert.deepEqual(
    (await tail.history(now - 60n * NS, 100)).map((s) => s.values.map((v) => v[1])),
    [['POST /v1/chat 200']],
  );
  const batches: TailBatch[] = [];
  const stop = tail.follow((b) => batches.push(b));
  api.push('t1', [
    { labels: { app: 'api', level: 'INFO' }, entries: [{ ts: now, line: 'POST /v1/chat 429' }] },
  ]);
  api.push('t1', [
    { labels: { app: 'api', level: 'INFO' }, entries: [{ ts: now + 1n, line: 'GET /healthz' }] },
  ]);
  api.push('t1', [{ labels: { app: 'router' }, entries: [{ ts: now, line: 'chat routed' }] }]);
  api.push('t2', [{ labels: { app: 'api' }, entries: [{ ts: now, line: 'chat of t2' }] }]);
  assert.deepEqual(batches, [
    [{ stream: { app: 'api', level: 'INFO' }, values: [[now.toString(), 'POST /v1/chat 429']] }],
  ]);
  stop();
  api.push('t1', [
    { labels: { app: 'api', level: 'INFO' }, entries: [{ ts: now + 2n, line: 'POST /v1/chat 200' }] },
  ]);
  assert.equal(batches.length, 1);
});

test('a tail needs a log query', () => {
  assert.throws(
    () => api.tail('t1', 'count_over_time({app="api"}[1m])'),
    (e: LogStoreError) => e instanceof LogStoreError && e.status === 400,
  );
});

test('a partly invalid push stores the valid rest and lists the rejected entry', () => {
  const out = api.push('t3', [
    { labels: { app: 'ok' }, entries: [{ ts: now, line: 'kept' }] },
    { labels: '{bad label}', entries: [{ ts: now, line: 'dropped' }] },
  ]);
  assert.equal(out.status, 400);
  assert.equal(out.accepted, 1);
  assert.equal(out.errors[0]!.code, 'INVALID_LABELS');
  assert.deepEqual(api.labelValues('t3', 'app', {}), ['ok']);
});

test('flush seals the entries the out-of-order window leaves behind the newest; queries read them', async () => {
  const sealing = new LogStoreApi({
    dataDir: ':memory:',
    retentionMaxBytes: 0,
    limits: { out_of_order_window_ms: 1000 },
  });
  try {
    sealing.push('t', [
      {
        labels: { app: 'a' },
        entries: [
          { ts: now - 10n * NS, line: 'old' },
          { ts: now, line: 'new' },
        ],
      },
    ]);
    assert.equal(sealing.flush(), 1);
    assert.equal(sealing.flush(), 0);
    const out = await sealing.rangeQuery('t', {
      query: '{app="a"}',
      limit: 10,
      direction: 'forward',
      start: now - 60n * NS,
    });
    assert.deepEqual(lines(out.data), ['old', 'new']);
  } finally {
    sealing.close();
  }
});

test('a periodic seal waits while a query runs and runs once the last query is done', async () => {
  const sealing = new LogStoreApi({
    dataDir: ':memory:',
    retentionMaxBytes: 0,
    sealIntervalMs: 10,
    limits: { out_of_order_window_ms: 1000 },
  });
  try {
    const old = Array.from({ length: 300 }, (_, i) => ({ ts: now - 60n * NS + BigInt(i), line: `old ${i}` }));
    sealing.push('t', [{ labels: { app: 'a' }, entries: [...old, { ts: now, line: 'new' }] }]);
    const sealed = async () => (await sealing.metrics.sealedEntries.get()).values[0]?.value ?? 0;
    // A query of another tenant holds a turn.
    const release = await sealing.gate.enter('other', { deadline: Date.now() + 60_000 });
    sealing.start();
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(await sealed(), 0, 'no seal while a query runs');
    release();
    const deadline = Date.now() + 5_000;
    while ((await sealed()) === 0) {
      assert.ok(Date.now() < deadline, 'the deferred seal did not run');
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(await sealed(), 300);
  } finally {
    sealing.close();
  }
});

test('a scan longer than a page reads every row once, in order, both directions', async () => {
  const paged = new LogStoreApi({ dataDir: ':memory:', retentionMaxBytes: 0 });
  try {
    // 2,500 rows, several sharing a timestamp (a page boundary may fall inside a run of equal ts).
    const entries = Array.from({ length: 2500 }, (_, i) => ({
      ts: now - 30n * NS + BigInt(Math.floor(i / 3)),
      line: `e${String(i).padStart(4, '0')}`,
    }));
    paged.push('t', [{ labels: { app: 'p' }, entries }]);
    const q = { query: '{app="p"}', limit: 5000, start: now - 60n * NS, end: now };
    const forward = lines((await paged.rangeQuery('t', { ...q, direction: 'forward' })).data);
    const backward = lines((await paged.rangeQuery('t', { ...q, direction: 'backward' })).data);
    assert.equal(forward.length, 2500);
    assert.equal(new Set(forward).size, 2500);
    assert.deepEqual(backward, [...forward].reverse());
    const tsOf = (l: string) => Math.floor(Number(l.slice(1)) / 3);
    for (let i = 1; i < forward.length; i++) assert.ok(tsOf(forward[i]!) >= tsOf(forward[i - 1]!));
  } finally {
    paged.close();
  }
});
