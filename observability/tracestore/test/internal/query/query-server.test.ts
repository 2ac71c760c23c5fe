import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TraceStoreServer } from '../../../src/internal/trace-store-server.js';

const traceId = '5b8aa5a2d2c872e8321cf37308d69df2';
const t0 = 1_795_000_000_000_000_000n;
const ms = 1_000_000n;

/** One trace across three services, as an OTLP/JSON export request. */
function request() {
  const span = (
    spanId: string,
    parent: string,
    name: string,
    kind: number,
    start: bigint,
    end: bigint,
    extra: Record<string, unknown> = {},
  ) => ({
    traceId,
    spanId,
    parentSpanId: parent,
    name,
    kind,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(end),
    ...extra,
  });
  const resource = (service: string) => ({
    attributes: [
      { key: 'service.name', value: { stringValue: service } },
      { key: 'host.name', value: { stringValue: 'node-1' } },
    ],
  });
  return {
    resourceSpans: [
      {
        resource: resource('gateway'),
        scopeSpans: [
          {
            scope: { name: 'gateway-telemetry', version: '0.1.0' },
            spans: [
              span('051581bf3cb55c13', '', 'POST /v1/chat/completions', 2, t0, t0 + 120n * ms, {
                attributes: [
                  { key: 'http.response.status_code', value: { intValue: '200' } },
                  { key: 'request_id', value: { stringValue: 'req-7' } },
                ],
                status: { code: 1 },
              }),
            ],
          },
        ],
      },
      {
        resource: resource('api-service'),
        scopeSpans: [
          {
            scope: { name: 'api' },
            spans: [
              span('5e8aa5a2d2c872e8', '051581bf3cb55c13', 'chat', 2, t0 + 2n * ms, t0 + 110n * ms, {
                attributes: [
                  { key: 'gen_ai.request.model', value: { stringValue: 'sim-small' } },
                  { key: 'ratio', value: { doubleValue: 0.5 } },
                  { key: 'stream', value: { boolValue: true } },
                ],
                events: [
                  {
                    timeUnixNano: String(t0 + 50n * ms),
                    name: 'first-token',
                    attributes: [{ key: 'tokens', value: { intValue: '1' } }],
                  },
                ],
              }),
              span(
                '6e8aa5a2d2c872e8',
                '5e8aa5a2d2c872e8',
                'model-router.Route',
                3,
                t0 + 5n * ms,
                t0 + 100n * ms,
                {
                  status: { code: 2, message: 'deadline exceeded' },
                  links: [{ traceId: '11111111111111111111111111111111', spanId: '2222222222222222' }],
                },
              ),
            ],
          },
        ],
      },
      {
        resource: resource('model-router'),
        scopeSpans: [
          {
            scope: { name: 'router' },
            spans: [span('7e8aa5a2d2c872e8', '6e8aa5a2d2c872e8', 'Route', 2, t0 + 6n * ms, t0 + 99n * ms)],
          },
        ],
      },
    ],
  };
}

async function start(
  t: { after: (fn: () => Promise<void>) => void },
  bearerToken?: string,
  maxAnalysisSpans?: number,
) {
  const server = await TraceStoreServer.start({
    dataDir: ':memory:',
    otlpHttp: null,
    otlpGrpc: null,
    query: '127.0.0.1:0',
    bearerToken,
    maxAnalysisSpans,
  });
  t.after(() => server.close());
  server.ingester.export(Buffer.from(JSON.stringify(request())), 'json', 'test');
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`http://${server.addresses.query}${path}`, { headers });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: response.status, body: body as Record<string, unknown> & { data: unknown }, text };
  };
  return { server, get };
}

const startUs = t0 / 1000n;

describe('query API', () => {
  it('returns a trace in the Jaeger JSON shape', async (t) => {
    const { get } = await start(t);
    const { status, body } = await get(`/api/traces/${traceId}`);
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(body), ['data', 'total', 'limit', 'offset', 'errors']);
    assert.equal(body.errors, null);
    const [trace] = body.data as Record<string, unknown>[];
    const processTags = [{ key: 'host.name', type: 'string', value: 'node-1' }];
    assert.deepEqual(trace, {
      traceID: traceId,
      spans: [
        {
          traceID: traceId,
          spanID: '051581bf3cb55c13',
          flags: 1,
          operationName: 'POST /v1/chat/completions',
          references: [],
          startTime: Number(startUs),
          duration: 120000,
          tags: [
            { key: 'http.response.status_code', type: 'int64', value: 200 },
            { key: 'request_id', type: 'string', value: 'req-7' },
            { key: 'otel.scope.name', type: 'string', value: 'gateway-telemetry' },
            { key: 'otel.scope.version', type: 'string', value: '0.1.0' },
            { key: 'span.kind', type: 'string', value: 'server' },
            { key: 'otel.status_code', type: 'string', value: 'OK' },
          ],
          logs: [],
          processID: 'p1',
          warnings: null,
        },
        {
          traceID: traceId,
          spanID: '5e8aa5a2d2c872e8',
          flags: 1,
          operationName: 'chat',
          references: [{ refType: 'CHILD_OF', traceID: traceId, spanID: '051581bf3cb55c13' }],
          startTime: Number(startUs) + 2000,
          duration: 108000,
          tags: [
            { key: 'gen_ai.request.model', type: 'string', value: 'sim-small' },
            { key: 'ratio', type: 'float64', value: 0.5 },
            { key: 'stream', type: 'bool', value: true },
            { key: 'otel.scope.name', type: 'string', value: 'api' },
            { key: 'span.kind', type: 'string', value: 'server' },
          ],
          logs: [
            {
              timestamp: Number(startUs) + 50000,
              fields: [
                { key: 'event', type: 'string', value: 'first-token' },
                { key: 'tokens', type: 'int64', value: 1 },
              ],
            },
          ],
          processID: 'p2',
          warnings: null,
        },
        {
          traceID: traceId,
          spanID: '6e8aa5a2d2c872e8',
          flags: 1,
          operationName: 'model-router.Route',
          references: [
            { refType: 'CHILD_OF', traceID: traceId, spanID: '5e8aa5a2d2c872e8' },
            {
              refType: 'FOLLOWS_FROM',
              traceID: '11111111111111111111111111111111',
              spanID: '2222222222222222',
            },
          ],
          startTime: Number(startUs) + 5000,
          duration: 95000,
          tags: [
            { key: 'otel.scope.name', type: 'string', value: 'api' },
            { key: 'span.kind', type: 'string', value: 'client' },
            { key: 'otel.status_code', type: 'string', value: 'ERROR' },
            { key: 'error', type: 'bool', value: true },
            { key: 'otel.status_description', type: 'string', value: 'deadline exceeded' },
          ],
          logs: [],
          processID: 'p2',
          warnings: null,
        },
        {
          traceID: traceId,
          spanID: '7e8aa5a2d2c872e8',
          flags: 1,
          operationName: 'Route',
          references: [{ refType: 'CHILD_OF', traceID: traceId, spanID: '6e8aa5a2d2c872e8' }],
          startTime: Number(startUs) + 6000,
          duration: 93000,
          tags: [
            { key: 'otel.scope.name', type: 'string', value: 'router' },
            { key: 'span.kind', type: 'string', value: 'server' },
          ],
          logs: [],
          processID: 'p3',
          warnings: null,
        },
      ],
      processes: {
        p1: { serviceName: 'gateway', tags: processTags },
        p2: { serviceName: 'api-service', tags: processTags },
        p3: { serviceName: 'model-router', tags: processTags },
      },
      warnings: null,
    });
  });

  it('lists services and operations as the Jaeger UI and Grafana expect', async (t) => {
    const { get } = await start(t);
    assert.deepEqual((await get('/api/services')).body, {
      data: ['api-service', 'gateway', 'model-router'],
      total: 3,
      limit: 0,
      offset: 0,
      errors: null,
    });
    const ops = await get('/api/services/api-service/operations');
    assert.deepEqual(ops.body.data, ['chat', 'model-router.Route']);
    const kinds = await get('/api/operations?service=api-service&spanKind=client');
    assert.deepEqual(kinds.body.data, [{ name: 'model-router.Route', spanKind: 'client' }]);
    assert.deepEqual((await get('/api/v3/services')).body, {
      services: ['api-service', 'gateway', 'model-router'],
    });
    assert.deepEqual((await get('/api/v3/operations?service=model-router')).body, {
      operations: [{ name: 'Route', spanKind: 'server' }],
    });
  });

  it('searches with service, operation, tags, durations, window and limit', async (t) => {
    const { get } = await start(t);
    const window = `start=${startUs - 1000n}&end=${startUs + 1000000n}`;
    const ids = async (query: string) =>
      ((await get(`/api/traces?${window}&${query}`)).body.data as { traceID: string }[]).map(
        (x) => x.traceID,
      );
    assert.deepEqual(await ids('service=api-service'), [traceId]);
    assert.deepEqual(await ids('service=api-service&operation=chat&minDuration=100ms&maxDuration=1s'), [
      traceId,
    ]);
    assert.deepEqual(await ids('service=api-service&minDuration=1.5s'), []);
    assert.deepEqual(await ids(`service=gateway&tags=${encodeURIComponent('{"http.status_code":"200"}')}`), [
      traceId,
    ]);
    assert.deepEqual(await ids(`service=api-service&tags=${encodeURIComponent('{"error":"true"}')}`), [
      traceId,
    ]);
    assert.deepEqual(await ids('service=gateway&tag=request_id:req-7&limit=1&lookback=custom'), [traceId]);
    assert.deepEqual(await ids('service=gateway&tag=request_id:other'), []);
    assert.deepEqual((await get(`/api/traces?service=gateway&start=1&end=2`)).body.data, []);
    const byId = await get(`/api/traces?traceID=${traceId}`);
    assert.equal((byId.body.data as unknown[]).length, 1);

    const v3 = await get(
      `/api/v3/traces?query.service_name=api-service&query.start_time_min=2026-11-18T00:00:00Z&query.start_time_max=2026-11-19T00:00:00.999999999Z&query.duration_min=100ms`,
    );
    assert.equal(v3.status, 200);
    const resourceSpans = (v3.body.result as { resourceSpans: unknown[] }).resourceSpans;
    assert.equal(resourceSpans.length, 3);
    const none = await get(
      '/api/v3/traces?query.service_name=api-service&query.start_time_min=2020-01-01T00:00:00Z&query.start_time_max=2020-01-02T00:00:00Z',
    );
    assert.equal(none.status, 404);
    assert.deepEqual(none.body, {
      error: { httpCode: 404, message: 'No traces found', code: 'TRACE_NOT_FOUND', field: null },
    });
  });

  it('returns OTLP/JSON from /api/v3/traces/{id} grouped by resource and scope', async (t) => {
    const { get } = await start(t);
    const { status, body } = await get(`/api/v3/traces/${traceId}`);
    assert.equal(status, 200);
    const first = (body.result as { resourceSpans: Record<string, unknown>[] }).resourceSpans[0]!;
    const expected = request().resourceSpans[0]!;
    // An empty parentSpanId (a root span) is left out, as Jaeger's gateway leaves it out.
    delete (expected.scopeSpans[0]!.spans[0] as { parentSpanId?: string }).parentSpanId;
    assert.deepEqual(first, expected);
  });

  it('answers dependencies, the console analysis, /metrics and /ready', async (t) => {
    const { get } = await start(t);
    const endTs = (t0 + 1000n * ms) / ms;
    const deps = await get(`/api/dependencies?endTs=${endTs}&lookback=3600000`);
    assert.deepEqual(deps.body.data, [
      { parent: 'api-service', child: 'model-router', callCount: 1 },
      { parent: 'gateway', child: 'api-service', callCount: 1 },
    ]);
    const analysis = await get(`/api/opsight/traces/${traceId}/analysis`);
    assert.equal(analysis.status, 200);
    assert.deepEqual(
      (analysis.body.spans as { spanID: string; depth: number }[]).map((s) => [s.spanID, s.depth]),
      [
        ['051581bf3cb55c13', 0],
        ['5e8aa5a2d2c872e8', 1],
        ['6e8aa5a2d2c872e8', 2],
        ['7e8aa5a2d2c872e8', 3],
      ],
    );
    assert.deepEqual(
      [
        analysis.body.spanCount,
        analysis.body.analyzedSpanCount,
        analysis.body.truncated,
        analysis.body.warnings,
      ],
      [4, 4, false, []],
    );
    const metrics = await get('/metrics');
    assert.match(
      metrics.text,
      /traces_span_metrics_calls_total\{service_name="model-router",span_name="Route",span_kind="SPAN_KIND_SERVER",status_code="STATUS_CODE_UNSET"\} 1/,
    );
    assert.match(
      metrics.text,
      /traces_span_metrics_duration_seconds_bucket\{le="0\.1",service_name="model-router",span_name="Route",span_kind="SPAN_KIND_SERVER",status_code="STATUS_CODE_UNSET"\} 1/,
    );
    assert.match(metrics.text, /tracestore_stored_spans 4/);
    for (const path of ['/ready', '/readyz', '/healthz']) assert.equal((await get(path)).status, 200, path);
  });

  it('analyses a trace over --max-analysis-spans on its first spans by start time and says so', async (t) => {
    const { get } = await start(t, undefined, 2);
    const analysis = await get(`/api/opsight/traces/${traceId}/analysis`);
    assert.equal(analysis.status, 200);
    assert.deepEqual(
      [analysis.body.spanCount, analysis.body.analyzedSpanCount, analysis.body.truncated],
      [4, 2, true],
    );
    assert.deepEqual(
      (analysis.body.spans as { spanID: string }[]).map((s) => s.spanID),
      ['051581bf3cb55c13', '5e8aa5a2d2c872e8'],
    );
    assert.match(
      String((analysis.body.warnings as string[])[0]),
      /^analysis truncated: the first 2 of 4 spans by start time were analysed/,
    );
    // The Jaeger API still answers the whole trace.
    const jaeger = await get(`/api/traces/${traceId}`);
    assert.equal((jaeger.body.data as { spans: unknown[] }[])[0]!.spans.length, 4);
  });

  it('answers errors with Jaeger envelopes, stable codes and the offending field', async (t) => {
    const { get } = await start(t);
    const missing = await get('/api/traces/00000000000000000000000000000abc');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, {
      data: null,
      total: 0,
      limit: 0,
      offset: 0,
      errors: [{ code: 404, msg: 'trace not found', error: 'TRACE_NOT_FOUND', field: 'traceID' }],
    });
    const badId = await get('/api/traces/not-hex');
    assert.equal(badId.status, 400);
    assert.equal((badId.body.errors as { field: string }[])[0]!.field, 'traceID');
    const noService = await get('/api/traces');
    assert.equal(noService.status, 400);
    const badDuration = await get('/api/traces?service=x&minDuration=fast');
    assert.equal((badDuration.body.errors as { error: string; field: string }[])[0]!.field, 'minDuration');
    const badTags = await get('/api/traces?service=x&tags=%7Bnope');
    assert.equal((badTags.body.errors as { field: string }[])[0]!.field, 'tags');
    const v3 = await get('/api/v3/traces?query.service_name=x');
    assert.equal(v3.status, 400);
    assert.equal((v3.body.error as { field: string }).field, 'query.start_time_min');
    assert.equal((await get('/nope')).status, 404);
  });

  it('requires the bearer token everywhere but /ready and /metrics when one is configured', async (t) => {
    const { get } = await start(t, 'tok');
    assert.equal((await get('/ready')).status, 200);
    assert.equal((await get('/metrics')).status, 200);
    assert.equal((await get('/metrics?x=1')).status, 200);
    assert.equal((await get('/api/services')).status, 401);
    assert.equal((await get('/api/services?metrics')).status, 401);
    assert.equal((await get('/api/services', { authorization: 'Bearer tok' })).status, 200);
  });
});
