// The sidecar end to end: a real access-log file in, /metrics (checked by promtool) and spans received by a
// real trace store out.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { MetricsRegistry, OtlpHttpSpanExporter } from '@opsight/telemetry';
import { TraceStoreServer } from '@opsight/tracestore';
import { GatewayTelemetry } from '../src/gateway-telemetry.js';
import { accessLogLine, tempDir } from './support/access-log-fixture.js';

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: unknown[];
  duration: number;
  processID: string;
  tags: { key: string; value: unknown }[];
}

async function start(t: { after: (fn: () => Promise<void> | void) => void }) {
  // Hooks run in the order they were added: stop the sidecar, then the store, then remove the files.
  const cleanup: (() => Promise<void> | void)[] = [];
  t.after(async () => {
    for (const step of cleanup.reverse()) await step();
  });
  const dir = tempDir({ after: (fn) => cleanup.push(fn) });
  const accessLog = join(dir, 'access.log');
  writeFileSync(accessLog, '');
  const store = await TraceStoreServer.start({
    dataDir: ':memory:',
    otlpHttp: '127.0.0.1:0',
    otlpGrpc: null,
    query: '127.0.0.1:0',
  });
  cleanup.push(() => store.close());
  const sidecar = await GatewayTelemetry.start({
    accessLog,
    positionsFile: join(dir, 'positions.json'),
    listen: '127.0.0.1:0',
    registry: new MetricsRegistry({ defaultMetrics: false }),
    spanExporter: new OTLPTraceExporter({ url: `http://${store.addresses.otlpHttp}/v1/traces` }),
    pollMs: 50,
    spanBatchDelayMs: 50,
  });
  cleanup.push(() => sidecar.close());
  const metrics = async () => (await fetch(`http://${sidecar.address}/metrics`)).text();
  const trace = async (id: string) => {
    const res = await fetch(`http://${store.addresses.query}/api/traces/${id}`);
    if (res.status !== 200) return undefined;
    const body = (await res.json()) as {
      data: { spans: JaegerSpan[]; processes: Record<string, { serviceName: string }> }[];
    };
    return body.data[0];
  };
  return { accessLog, sidecar, metrics, trace };
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('each access-log line becomes the gateway span with nginx ids, as the root of its trace', async (t) => {
  const { accessLog, sidecar, trace } = await start(t);
  const incoming = '00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbb-01';
  const ok = accessLogLine({ incoming_traceparent: incoming, request_time: 0.25 });
  const failed = accessLogLine({ status: 502, uri: '/v1/models?a=b', method: 'GET', upstream_status: '-' });
  appendFileSync(accessLog, ok.text + failed.text);
  await sidecar.flush();

  const okTrace = await trace(ok.traceId);
  assert.ok(okTrace, 'the trace store has the trace');
  assert.equal(okTrace.spans.length, 1);
  const span = okTrace.spans[0]!;
  assert.equal(span.traceID, ok.traceId);
  assert.equal(span.spanID, ok.spanId);
  assert.equal(span.operationName, 'POST /v1/chat/completions');
  assert.equal(span.duration, 250_000);
  assert.equal(okTrace.processes[span.processID]?.serviceName, 'gateway');
  // The incoming context is a link (FOLLOWS_FROM), never the parent.
  assert.deepEqual(span.references, [
    { refType: 'FOLLOWS_FROM', traceID: 'a'.repeat(32), spanID: 'b'.repeat(16) },
  ]);
  const tag = (s: JaegerSpan, key: string) => s.tags.find((x) => x.key === key)?.value;
  assert.equal(tag(span, 'span.kind'), 'server');
  assert.equal(tag(span, 'http.response.status_code'), 200);
  assert.equal(tag(span, 'opsight.request_id'), `req-${ok.traceId}`);

  const failedTrace = await trace(failed.traceId);
  const f = failedTrace!.spans[0]!;
  assert.equal(f.operationName, 'GET /v1/models');
  assert.deepEqual(f.references, []);
  assert.equal(tag(f, 'error'), true);
  assert.equal(tag(f, 'url.path'), '/v1/models');
});

test('the nginx_http_* families count requests, durations and bytes; promtool accepts the exposition', async (t) => {
  const { accessLog, sidecar, metrics } = await start(t);
  appendFileSync(
    accessLog,
    accessLogLine({ status: 200, request_time: 0.003, request_length: 100, bytes_sent: 1000 }).text +
      accessLogLine({ status: 200, request_time: 0.2, request_length: 50, bytes_sent: 10 }).text +
      accessLogLine({ status: 429, request_time: 0.001, request_length: 10, bytes_sent: 5 }).text +
      accessLogLine({ status: 200, host: 'evil.example', request_length: 1, bytes_sent: 1 }).text,
  );
  await sidecar.flush();
  const text = await metrics();
  assert.equal(sample(text, 'nginx_http_requests_total{host="127.0.0.1",status="200"}'), 2);
  assert.equal(sample(text, 'nginx_http_requests_total{host="127.0.0.1",status="429"}'), 1);
  assert.equal(sample(text, 'nginx_http_requests_total{host="other",status="200"}'), 1);
  assert.equal(sample(text, 'nginx_http_request_duration_seconds_count{host="127.0.0.1"}'), 3);
  assert.equal(sample(text, 'nginx_http_request_duration_seconds_bucket{le="0.005",host="127.0.0.1"}'), 2);
  assert.equal(sample(text, 'nginx_http_request_size_bytes{host="127.0.0.1"}'), 160);
  assert.equal(sample(text, 'nginx_http_response_size_bytes{host="127.0.0.1"}'), 1015);
  assert.equal(sample(text, 'gateway_telemetry_lines_total'), 4);
  assert.equal(sample(text, 'gateway_telemetry_lag_bytes'), 0);

  const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(promtool.status, 0, `${promtool.stdout}${promtool.stderr}`);

  const open = await (
    await fetch(`http://${sidecar.address}/metrics`, { headers: { accept: 'application/openmetrics-text' } })
  ).text();
  assert.match(open, /nginx_http_request_duration_seconds_bucket\{.*\} \d+ # \{trace_id="[0-9a-f]{32}"\}/);
});

test('malformed and truncated lines are counted and skipped; the lines around them are used', async (t) => {
  const { accessLog, sidecar, metrics, trace } = await start(t);
  const before = accessLogLine();
  const after = accessLogLine();
  appendFileSync(
    accessLog,
    `${before.text}{"trace_id":"abc", "status": 2\nnot json at all\n${accessLogLine({ span_id: 'zz' }).text}${after.text}`,
  );
  await sidecar.flush();
  let text = await metrics();
  assert.equal(sample(text, 'gateway_telemetry_parse_errors_total{reason="invalid_json"}'), 2);
  assert.equal(sample(text, 'gateway_telemetry_parse_errors_total{reason="invalid_field"}'), 1);
  assert.equal(sample(text, 'gateway_telemetry_lines_total'), 2);
  assert.ok(await trace(before.traceId));
  assert.ok(await trace(after.traceId));

  // A line cut by truncation of the file.
  appendFileSync(accessLog, '{"time":"2026-11-26T07:00:00+00:00","trace_id":"0123');
  await sidecar.flush();
  writeFileSync(accessLog, accessLogLine().text);
  await sidecar.flush();
  text = await metrics();
  assert.equal(sample(text, 'gateway_telemetry_parse_errors_total{reason="truncated"}'), 1);
  assert.equal(sample(text, 'gateway_telemetry_log_reopens_total{reason="truncated"}'), 1);
  assert.equal(sample(text, 'gateway_telemetry_lines_total'), 3);
});

test('the admin paths, the /ready alias and unknown paths', async (t) => {
  const { sidecar } = await start(t);
  for (const path of ['/ready', '/readyz', '/healthz'])
    assert.equal((await fetch(`http://${sidecar.address}${path}`)).status, 200, path);
  const res = await fetch(`http://${sidecar.address}/nope`);
  assert.equal(res.status, 404);
  assert.deepEqual(await res.json(), {
    code: 'NOT_FOUND',
    field: 'path',
    message: 'no route /nope; this port serves /metrics, /healthz, /readyz, /ready',
  });
  const write = await fetch(`http://${sidecar.address}/metrics`, { method: 'DELETE' });
  assert.equal(write.status, 405);
});

test('spans are held and retried while the trace store answers 503, and none is lost once it recovers', async (t) => {
  const cleanup: (() => Promise<void> | void)[] = [];
  t.after(async () => {
    for (const step of cleanup.reverse()) await step();
  });
  const dir = tempDir({ after: (fn) => cleanup.push(fn) });
  const accessLog = join(dir, 'access.log');
  writeFileSync(accessLog, '');
  const store = await TraceStoreServer.start({
    dataDir: ':memory:',
    otlpHttp: '127.0.0.1:0',
    otlpGrpc: null,
    query: null,
    retryAfterSeconds: 1,
  });
  cleanup.push(() => store.close());
  // The switch: commits fail as on a full disk, so the store answers 503 STORAGE_FULL with Retry-After.
  let full = true;
  let refused = 0;
  const diskFull = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  const ingest = store.store.ingest.bind(store.store);
  const ingestMany = store.store.ingestMany.bind(store.store);
  store.store.ingest = (batch) => {
    if (!full) return ingest(batch);
    refused++;
    throw diskFull();
  };
  store.store.ingestMany = (batches) => {
    if (full) throw diskFull();
    return ingestMany(batches);
  };
  const sidecar = await GatewayTelemetry.start({
    accessLog,
    positionsFile: join(dir, 'positions.json'),
    listen: '127.0.0.1:0',
    registry: new MetricsRegistry({ defaultMetrics: false }),
    spanExporter: new OtlpHttpSpanExporter({ url: `http://${store.addresses.otlpHttp}/v1/traces` }),
    spanExportRetry: { initialBackoffMs: 50, maxBackoffMs: 400, maxRetryElapsedMs: 60_000 },
    pollMs: 20,
    spanBatchDelayMs: 20,
  });
  cleanup.push(() => sidecar.close());
  const lines = Array.from({ length: 60 }, () => accessLogLine());
  appendFileSync(
    accessLog,
    lines
      .slice(0, 30)
      .map((l) => l.text)
      .join(''),
  );
  const deadline = Date.now() + 20_000;
  while (refused < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(refused >= 2, 'the store refused the first exports');
  appendFileSync(
    accessLog,
    lines
      .slice(30)
      .map((l) => l.text)
      .join(''),
  );
  await new Promise((r) => setTimeout(r, 500));
  full = false;
  const metrics = async () => (await fetch(`http://${sidecar.address}/metrics`)).text();
  while (sample(await metrics(), 'opsight_telemetry_spans_exported_total') !== 60) {
    assert.ok(Date.now() < deadline, 'every span exported after the store recovered');
    await new Promise((r) => setTimeout(r, 50));
  }
  const text = await metrics();
  for (const reason of ['queue_full', 'export_failed', 'retries_exhausted']) {
    assert.equal(sample(text, `opsight_telemetry_spans_dropped_total{reason="${reason}"}`), 0, reason);
  }
  assert.ok((sample(text, 'opsight_telemetry_span_export_retries_total') ?? 0) >= 2);
  for (const line of lines) {
    assert.equal(store.store.getTrace(Buffer.from(line.traceId, 'hex'))?.spans.length, 1, line.traceId);
  }
});
