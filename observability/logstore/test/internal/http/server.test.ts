import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import snappy from 'snappyjs';
import { ERROR_CODES, type ErrorCode } from '../../../src/internal/error-codes.js';
import { createLogStore, type LogStore } from '../../../src/internal/http/server.js';
import { encodePushProtobuf } from '../../../src/internal/push/decode-push.js';

let store: LogStore;
let url: string;
before(async () => {
  store = createLogStore({ dataDir: ':memory:', port: 0, limits: { max_line_size: 1000 } });
  url = await store.listen();
});
after(() => store.close());

const nowNs = () => BigInt(Date.now()) * 1_000_000n;
const push = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
async function lines(query: string, headers: Record<string, string> = {}): Promise<string[]> {
  const u = new URL(`${url}/loki/api/v1/query_range`);
  u.searchParams.set('query', query);
  u.searchParams.set('limit', '1000');
  const r = await fetch(u, { headers });
  assert.equal(r.status, 200, await r.clone().text());
  const body = (await r.json()) as { data: { result: Array<{ values: Array<[string, string]> }> } };
  return body.data.result.flatMap((s) => s.values.map((v) => v[1])).sort();
}

test('GET /ready (Loki) and the admin probes answer 200 without a tenant; writes to them 405', async () => {
  for (const path of ['/ready', '/readyz', '/healthz']) {
    const r = await fetch(`${url}${path}`);
    assert.equal(r.status, 200, path);
    assert.deepEqual(await r.json(), { status: 'ok' });
  }
  const write = await fetch(`${url}/ready`, { method: 'DELETE' });
  assert.equal(write.status, 405);
  assert.equal(((await write.json()) as { code: string }).code, 'METHOD_NOT_ALLOWED');
});

test('JSON push is stored with structured metadata and read back', async () => {
  const ts = nowNs().toString();
  const r = await push({
    streams: [
      {
        stream: { app: 'json-app', level: 'INFO' },
        values: [[ts, 'hello json', { trace_id: 'trace-json-1' }]],
      },
    ],
  });
  assert.equal(r.status, 204);
  assert.deepEqual(await lines('{app="json-app"}'), ['hello json']);
  assert.deepEqual(await lines('{trace_id="trace-json-1"}'), ['hello json']);
  assert.deepEqual(await lines('{app=~".+"} | trace_id="trace-json-1"'), ['hello json']);
});

test('snappy protobuf push (as Promtail and Alloy send it) is stored', async () => {
  const body = encodePushProtobuf([
    {
      labels: '{app="pb-app", level="WARN"}',
      entries: [{ ts: nowNs(), line: 'hello proto', metadata: { user_id: 'u-1' } }],
    },
  ]);
  const r = await push(body, { 'content-type': 'application/x-protobuf' });
  assert.equal(r.status, 204, await r.text());
  assert.deepEqual(await lines('{app="pb-app"} | user_id="u-1"'), ['hello proto']);
});

test('gzip-encoded JSON push is accepted', async () => {
  const body = gzipSync(
    JSON.stringify({
      streams: [{ stream: { app: 'gz-app' }, values: [[nowNs().toString(), 'hello gzip']] }],
    }),
  );
  const r = await push(body, { 'content-encoding': 'gzip' });
  assert.equal(r.status, 204);
  assert.deepEqual(await lines('{app="gz-app"}'), ['hello gzip']);
});

test("bad input gets Loki's status and nothing of a rejected request is stored", async (t) => {
  const ts = () => nowNs().toString();
  const cases: Array<{
    name: string;
    body: string | Uint8Array;
    headers?: Record<string, string>;
    status: number;
    code: string;
  }> = [
    { name: 'invalid JSON', body: '{"streams": [', status: 400, code: 'INVALID_JSON' },
    {
      name: 'timestamp as a number',
      body: JSON.stringify({ streams: [{ stream: { app: 'bad' }, values: [[Number(ts()), 'x']] }] }),
      status: 400,
      code: 'INVALID_TIMESTAMP',
    },
    {
      name: 'invalid protobuf',
      body: snappy.compress(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01])),
      headers: { 'content-type': 'application/x-protobuf' },
      status: 400,
      code: 'INVALID_PROTOBUF',
    },
    {
      name: 'bad snappy',
      body: Buffer.from('this is not snappy at all'),
      headers: { 'content-type': 'application/x-protobuf' },
      status: 400,
      code: 'INVALID_SNAPPY',
    },
    {
      name: 'label set not in Loki syntax',
      body: encodePushProtobuf([{ labels: 'app=bad', entries: [{ ts: nowNs(), line: 'x' }] }]),
      headers: { 'content-type': 'application/x-protobuf' },
      status: 400,
      code: 'INVALID_LABELS',
    },
    {
      name: 'stream without labels',
      body: JSON.stringify({ streams: [{ stream: {}, values: [[ts(), 'x']] }] }),
      status: 400,
      code: 'MISSING_LABELS',
    },
    {
      name: 'invalid label name',
      body: JSON.stringify({ streams: [{ stream: { 'bad-name': 'x' }, values: [[ts(), 'x']] }] }),
      status: 400,
      code: 'INVALID_LABELS',
    },
    {
      name: 'entry too old',
      body: JSON.stringify({ streams: [{ stream: { app: 'bad' }, values: [['1000000000000000000', 'x']] }] }),
      status: 400,
      code: 'TIMESTAMP_TOO_OLD',
    },
    {
      name: 'entry too far in the future',
      body: JSON.stringify({
        streams: [{ stream: { app: 'bad' }, values: [[(nowNs() + 3600n * 1_000_000_000n).toString(), 'x']] }],
      }),
      status: 400,
      code: 'TIMESTAMP_TOO_NEW',
    },
    {
      name: 'line over max_line_size',
      body: JSON.stringify({ streams: [{ stream: { app: 'bad' }, values: [[ts(), 'x'.repeat(1001)]] }] }),
      status: 400,
      code: 'LINE_TOO_LONG',
    },
    {
      name: '100 labels',
      body: JSON.stringify({
        streams: [
          {
            stream: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`l${i}`, 'v'])),
            values: [[ts(), 'x']],
          },
        ],
      }),
      status: 400,
      code: 'MAX_LABEL_NAMES_PER_SERIES',
    },
    {
      name: 'label name over max_label_name_length',
      body: JSON.stringify({
        streams: [{ stream: { [`l${'n'.repeat(1100)}`]: 'v' }, values: [[ts(), 'x']] }],
      }),
      status: 400,
      code: 'LABEL_NAME_TOO_LONG',
    },
    {
      name: 'label value over max_label_value_length',
      body: JSON.stringify({ streams: [{ stream: { app: 'v'.repeat(3000) }, values: [[ts(), 'x']] }] }),
      status: 400,
      code: 'LABEL_VALUE_TOO_LONG',
    },
    {
      name: 'duplicate label name in a protobuf label set',
      body: encodePushProtobuf([
        { labels: '{app="bad", app="again"}', entries: [{ ts: nowNs(), line: 'x' }] },
      ]),
      headers: { 'content-type': 'application/x-protobuf' },
      status: 400,
      code: 'DUPLICATE_LABEL_NAMES',
    },
    {
      name: 'structured metadata name that is not a label name',
      body: JSON.stringify({
        streams: [{ stream: { app: 'bad' }, values: [[ts(), 'x', { 'trace-id': 'a' }]] }],
      }),
      status: 400,
      code: 'INVALID_STRUCTURED_METADATA',
    },
    {
      name: 'unknown content encoding',
      body: '{}',
      headers: { 'content-encoding': 'br' },
      status: 415,
      code: 'UNSUPPORTED_ENCODING',
    },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const r = await push(c.body, c.headers);
      assert.equal(r.status, c.status);
      const body = (await r.json()) as { code: ErrorCode; error: string };
      assert.equal(body.code, c.code, body.error);
      assert.equal(ERROR_CODES[body.code].status, r.status, 'the catalogue names the same status');
      assert.ok(body.error.length > 0);
    });
  }
  assert.deepEqual(await lines('{app="bad"}'), []);
  const labels = (await (await fetch(`${url}/loki/api/v1/labels`)).json()) as { data: string[] };
  assert.ok(!labels.data.includes('l0'));
});

test('empty streams are a no-op 204', async () => {
  assert.equal((await push({ streams: [] })).status, 204);
  assert.equal((await push({ streams: [{ stream: { app: 'empty' }, values: [] }] })).status, 204);
  assert.deepEqual(await lines('{app="empty"}'), []);
});

test("partly invalid batch: valid entries are stored, invalid ones listed in a 400 (Loki's rule)", async () => {
  const r = await push({
    streams: [
      {
        stream: { app: 'partial' },
        values: [
          [nowNs().toString(), 'good line'],
          [nowNs().toString(), 'y'.repeat(2000)],
        ],
      },
      { stream: {}, values: [[nowNs().toString(), 'no labels']] },
    ],
  });
  assert.equal(r.status, 400);
  const body = (await r.json()) as { errors: Array<{ code: string }>; accepted: number };
  assert.deepEqual(
    body.errors.map((e) => e.code),
    ['LINE_TOO_LONG', 'MISSING_LABELS'],
  );
  assert.equal(body.accepted, 1);
  assert.deepEqual(await lines('{app="partial"}'), ['good line']);
});

test("entries behind the stream's newest by more than the out-of-order window are rejected; within it accepted", async () => {
  const now = nowNs();
  const hour = 3600n * 1_000_000_000n;
  await push({ streams: [{ stream: { app: 'ooo' }, values: [[now.toString(), 'newest']] }] });
  const r = await push({
    streams: [
      {
        stream: { app: 'ooo' },
        values: [
          [(now - hour / 2n).toString(), 'late but ok'],
          [(now - 2n * hour).toString(), 'too late'],
        ],
      },
    ],
  });
  assert.equal(r.status, 400);
  assert.equal(((await r.json()) as { code: string }).code, 'ENTRY_TOO_FAR_BEHIND');
  const u = new URL(`${url}/loki/api/v1/query_range`);
  u.searchParams.set('query', '{app="ooo"}');
  u.searchParams.set('start', (now - 3n * hour).toString());
  u.searchParams.set('end', (now + 1n).toString());
  const body = (await (await fetch(u)).json()) as {
    data: { result: Array<{ values: Array<[string, string]> }> };
  };
  assert.deepEqual(
    body.data.result[0]!.values.map((v) => v[1]),
    ['newest', 'late but ok'],
  );
});

test("labels, label values and series follow Loki's shapes", async () => {
  await push({
    streams: [
      { stream: { app: 'meta-app', level: 'ERROR', namespace: 'ns1' }, values: [[nowNs().toString(), 'x']] },
    ],
  });
  const labels = (await (await fetch(`${url}/loki/api/v1/labels`)).json()) as {
    status: string;
    data: string[];
  };
  assert.equal(labels.status, 'success');
  assert.ok(labels.data.includes('namespace'));
  const values = (await (await fetch(`${url}/loki/api/v1/label/namespace/values`)).json()) as {
    data: string[];
  };
  assert.deepEqual(values.data, ['ns1']);
  const series = (await (
    await fetch(`${url}/loki/api/v1/series?match[]=${encodeURIComponent('{namespace="ns1"}')}`)
  ).json()) as {
    data: unknown[];
  };
  assert.deepEqual(series.data, [{ app: 'meta-app', level: 'ERROR', namespace: 'ns1' }]);
  const noMatch = await fetch(`${url}/loki/api/v1/series`);
  assert.equal(noMatch.status, 400);
});

test('query errors: bad LogQL, unsupported construct, limit over max_entries_limit_per_query, log query as instant', async () => {
  const q = async (path: string, params: Record<string, string>) => {
    const u = new URL(`${url}/loki/api/v1/${path}`);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    const r = await fetch(u);
    return { status: r.status, body: (await r.json()) as { code: string; error: string } };
  };
  let r = await q('query_range', { query: '{app="x"' });
  assert.equal(r.status, 400);
  assert.equal(r.body.code, 'INVALID_QUERY');
  r = await q('query_range', { query: 'approx_count_distinct(user_id, {app="x"}[1m])' });
  assert.equal(r.status, 400);
  assert.equal(r.body.code, 'UNSUPPORTED_QUERY');
  assert.match(r.body.error, /approx_count_distinct/);
  r = await q('query_range', { query: '{app="x"}', limit: '100000' });
  assert.equal(r.status, 400);
  assert.equal(r.body.code, 'MAX_ENTRIES_LIMIT');
  r = await q('query', { query: '{app="x"}' });
  assert.equal(r.status, 400);
  r = await q('query_range', { query: '{app="x"}', start: 'yesterday' });
  assert.equal(r.status, 400);
  assert.equal(r.body.code, 'INVALID_PARAMETER');
  r = await q('query_range', { query: '{app=~".*"}' });
  assert.equal(r.status, 400);
});

test('instant metric query returns a vector, query_range a matrix', async () => {
  const now = nowNs();
  await push({
    streams: [
      {
        stream: { app: 'metric-app' },
        values: [
          [now.toString(), 'a'],
          [(now - 1n).toString(), 'b'],
        ],
      },
    ],
  });
  const u = new URL(`${url}/loki/api/v1/query`);
  u.searchParams.set('query', 'count_over_time({app="metric-app"}[5m])');
  u.searchParams.set('time', (now + 1n).toString());
  const v = (await (await fetch(u)).json()) as {
    data: { resultType: string; result: Array<{ value: [number, string] }> };
  };
  assert.equal(v.data.resultType, 'vector');
  assert.equal(v.data.result[0]!.value[1], '2');
  const m = new URL(`${url}/loki/api/v1/query_range`);
  m.searchParams.set('query', 'sum(count_over_time({app="metric-app"}[5m]))');
  m.searchParams.set('start', (now - 60_000_000_000n).toString());
  m.searchParams.set('end', (now + 1n).toString());
  m.searchParams.set('step', '30s');
  const body = (await (await fetch(m)).json()) as {
    data: {
      resultType: string;
      stats: {
        summary: Record<string, number>;
        querier: { store: { totalChunksDownloaded: number; chunk: Record<string, number> } };
        opsight: { stages: Record<string, number>; plan: { selectors: Array<{ streams: string }> } };
      };
    };
  };
  assert.equal(body.data.resultType, 'matrix');
  // Loki's stats block: the summary Grafana shows, the store's chunk counts, and the stages and plan.
  const { summary, querier, opsight } = body.data.stats;
  assert.equal(summary.totalLinesProcessed, 2);
  assert.equal(summary.totalPostFilterLines, 2);
  assert.ok(summary.totalBytesProcessed! > 0 && summary.execTime! > 0);
  for (const k of ['bytesProcessedPerSecond', 'linesProcessedPerSecond', 'queueTime', 'totalEntriesReturned'])
    assert.equal(typeof summary[k], 'number', k);
  assert.equal(querier.store.chunk.headChunkLines, 2);
  assert.equal(querier.store.totalChunksDownloaded, 0);
  assert.deepEqual(Object.keys(opsight.stages), ['plan', 'select', 'rangeAggregation', 'vectorAggregation']);
  assert.ok(opsight.stages.select! > 0);
  assert.equal(opsight.plan.selectors[0]!.streams, '{app="metric-app"}');
});

test('tenants are separate; multi-tenant mode requires X-Scope-OrgID (401 "no org id")', async () => {
  const ts = nowNs().toString();
  await push(
    { streams: [{ stream: { app: 'tenant-app' }, values: [[ts, 'for team-a']] }] },
    { 'x-scope-orgid': 'team-a' },
  );
  assert.deepEqual(await lines('{app="tenant-app"}', { 'x-scope-orgid': 'team-a' }), ['for team-a']);
  assert.deepEqual(await lines('{app="tenant-app"}'), []);
  const mt = createLogStore({ dataDir: ':memory:', port: 0, requireTenant: true, authToken: 's3cret' });
  const mu = await mt.listen();
  try {
    const noAuth = await fetch(`${mu}/loki/api/v1/labels`);
    assert.equal(noAuth.status, 401);
    const noTenant = await fetch(`${mu}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer s3cret' },
      body: JSON.stringify({ streams: [{ stream: { app: 'x' }, values: [[ts, 'x']] }] }),
    });
    assert.equal(noTenant.status, 401);
    assert.equal(((await noTenant.json()) as { error: string }).error, 'no org id');
    assert.equal((await fetch(`${mu}/ready`)).status, 200);
  } finally {
    await mt.close();
  }
});

test('ingestion rate limit: a request over the burst is rejected whole with 429', async () => {
  const rl = createLogStore({
    dataDir: ':memory:',
    port: 0,
    limits: { ingestion_rate_mb: 0.001, ingestion_burst_size_mb: 0.001 },
  });
  const ru = await rl.listen();
  try {
    const big = 'z'.repeat(600);
    const r = await fetch(`${ru}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        streams: [
          {
            stream: { app: 'rl' },
            values: [
              [nowNs().toString(), big],
              [(nowNs() + 1n).toString(), big],
            ],
          },
        ],
      }),
    });
    assert.equal(r.status, 429);
    assert.match(((await r.json()) as { error: string }).error, /Ingestion rate limit exceeded/);
    assert.equal(rl.storage.streams('fake').length, 0);
  } finally {
    await rl.close();
  }
});

test('stream limit: new streams beyond max_global_streams_per_user get 429', async () => {
  const sl = createLogStore({ dataDir: ':memory:', port: 0, limits: { max_global_streams_per_user: 1 } });
  const su = await sl.listen();
  try {
    const ts = nowNs().toString();
    const r = await fetch(`${su}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        streams: [
          { stream: { app: 's1' }, values: [[ts, 'a']] },
          { stream: { app: 's2' }, values: [[ts, 'b']] },
        ],
      }),
    });
    assert.equal(r.status, 429);
    assert.equal(((await r.json()) as { code: string }).code, 'STREAM_LIMIT');
    assert.equal(sl.storage.streams('fake').length, 1);
  } finally {
    await sl.close();
  }
});

test('/metrics exposes Loki-named counters', async () => {
  const text = await (await fetch(`${url}/metrics`)).text();
  assert.match(text, /loki_distributor_lines_received_total\{tenant="fake"\} \d+/);
  assert.match(text, /loki_discarded_samples_total\{reason="line_too_long",tenant="fake"\}/);
});

test('query limits: max_query_series (400) and query_timeout (504)', async () => {
  const ls = createLogStore({ dataDir: ':memory:', port: 0, limits: { max_query_series: 2 } });
  const lu = await ls.listen();
  const ts = nowNs();
  try {
    const streams = Array.from({ length: 3 }, (_, i) => ({
      stream: { app: 'many', pod: `p${i}` },
      values: Array.from({ length: 400 }, (_, j) => [(ts - BigInt(j)).toString(), `line ${j}`]),
    }));
    const r = await fetch(`${lu}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streams }),
    });
    assert.equal(r.status, 204);
    const u = new URL(`${lu}/loki/api/v1/query`);
    u.searchParams.set('query', 'count_over_time({app="many"}[5m])');
    u.searchParams.set('time', (ts + 1n).toString());
    const tooMany = await fetch(u);
    assert.equal(tooMany.status, 400);
    assert.match(((await tooMany.json()) as { error: string }).error, /maximum number of series \(2\)/);
    u.searchParams.set('query', 'sum(count_over_time({app="many"}[5m]))');
    const ok = (await (await fetch(u)).json()) as { data: { result: Array<{ value: [number, string] }> } };
    assert.equal(ok.data.result[0]!.value[1], '1200');
  } finally {
    await ls.close();
  }
  const slow = createLogStore({ dataDir: ':memory:', port: 0, limits: { query_timeout_ms: 0 } });
  const su = await slow.listen();
  try {
    const values = Array.from({ length: 1100 }, (_, j) => [(ts - BigInt(j)).toString(), `line ${j}`]);
    await fetch(`${su}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streams: [{ stream: { app: 'slow' }, values }] }),
    });
    const u = new URL(`${su}/loki/api/v1/query`);
    u.searchParams.set('query', 'count_over_time({app="slow"}[5m])');
    u.searchParams.set('time', (ts + 1n).toString());
    const r = await fetch(u);
    assert.equal(r.status, 504);
    assert.equal(((await r.json()) as { code: string }).code, 'QUERY_TIMEOUT');
  } finally {
    await slow.close();
  }
});

test('buildinfo answers like Loki 3 for Grafana', async () => {
  const r = await fetch(`${url}/loki/api/v1/status/buildinfo`);
  assert.equal(r.status, 200);
  assert.match(((await r.json()) as { version: string }).version, /^3\./);
});

test('POST /flush seals entries behind the out-of-order window; queries read them back', async () => {
  const fs = createLogStore({
    dataDir: ':memory:',
    port: 0,
    limits: { out_of_order_window_ms: 1000 },
    sealIntervalMs: 0,
  });
  const fu = await fs.listen();
  try {
    const now = nowNs();
    const values = Array.from({ length: 50 }, (_, i) => [
      (now - BigInt(50 - i) * 1_000_000_000n).toString(),
      `sealed line ${i}`,
    ]);
    await fetch(`${fu}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streams: [{ stream: { app: 'flushed' }, values }] }),
    });
    assert.equal((await fetch(`${fu}/flush`, { method: 'POST' })).status, 204);
    const blocks = fs.storage.db.prepare('SELECT COUNT(*) AS n FROM blocks').get() as { n: number };
    assert.equal(blocks.n, 1);
    const u = new URL(`${fu}/loki/api/v1/query_range`);
    u.searchParams.set('query', '{app="flushed"} |= "line 4"');
    u.searchParams.set('start', (now - 3600n * 1_000_000_000n).toString());
    const body = (await (await fetch(u)).json()) as {
      data: { result: Array<{ values: Array<[string, string]> }> };
    };
    assert.deepEqual(
      body.data.result[0]!.values.map((v) => v[1]),
      [
        'sealed line 49',
        'sealed line 48',
        'sealed line 47',
        'sealed line 46',
        'sealed line 45',
        'sealed line 44',
        'sealed line 43',
        'sealed line 42',
        'sealed line 41',
        'sealed line 40',
        'sealed line 4',
      ],
    );
    const metrics = await (await fetch(`${fu}/metrics`)).text();
    assert.match(metrics, /opsight_logstore_sealed_entries_total 48/);
  } finally {
    await fs.close();
  }
});
