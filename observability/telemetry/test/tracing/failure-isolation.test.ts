import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { fastifyTelemetry } from '../../src/http/fastify-plugin.js';
import { initTelemetry, type Telemetry } from '../../src/telemetry.js';
import { LineCapture } from '../../src/testing.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startSink(
  handler: Parameters<typeof createServer>[1],
): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, server };
}

async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/v1/traces`;
}

// Retries with a window short enough for a test: a refused batch is given up after 200 ms.
const shortRetry = { initialBackoffMs: 10, maxBackoffMs: 50, maxRetryElapsedMs: 200 };

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function startApp(endpoint: string, extraEnv: Record<string, string> = {}) {
  const logs = new LineCapture();
  const telemetry = initTelemetry({
    spanExportRetry: shortRetry,
    service: 'isolation-test',
    handleSignals: false,
    logDestination: logs,
    errorLogIntervalMs: 60_000,
    env: {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_TIMEOUT: '300',
      OTEL_BSP_SCHEDULE_DELAY: '5',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '10',
      ...extraEnv,
    },
  });
  const app = Fastify();
  await app.register(fastifyTelemetry);
  app.get('/v1/models', async () => ({ data: [{ id: 'gpt-4o' }] }));
  await app.ready();
  cleanups.push(() => telemetry.shutdown());
  cleanups.push(() => app.close());
  return { telemetry, app, logs };
}

async function drive(app: FastifyInstance, n: number): Promise<void> {
  for (let round = 0; round < n / 20; round++) {
    const responses = await Promise.all(Array.from({ length: 20 }, () => app.inject('/v1/models')));
    for (const r of responses) {
      assert.equal(r.statusCode, 200);
      assert.deepEqual(r.json(), { data: [{ id: 'gpt-4o' }] });
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function counter(telemetry: Telemetry, sample: string): Promise<number> {
  const { body } = await telemetry.metrics.render();
  const line = body.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

test('trace backend on a dead port: requests succeed, spans are retried, then counted as dropped, the error is logged once', {
  timeout: 30_000,
}, async () => {
  const { telemetry, app, logs } = await startApp(await deadUrl());
  await drive(app, 200);
  const exhausted = 'opsight_telemetry_spans_dropped_total{reason="retries_exhausted"}';
  await until(async () => (await counter(telemetry, exhausted)) > 0, 'a batch given up after its retries');
  assert.ok((await counter(telemetry, 'opsight_telemetry_span_export_retries_total')) > 0);
  assert.equal(await counter(telemetry, 'opsight_telemetry_spans_dropped_total{reason="export_failed"}'), 0);
  assert.equal(await counter(telemetry, 'opsight_telemetry_spans_exported_total'), 0);
  const errors = await counter(telemetry, 'opsight_telemetry_errors_total{component="span-export"}');
  assert.ok(errors >= 2, `expected several failed exports, got ${errors}`);
  const logged = logs.records().filter((r) => r.message === 'telemetry span-export error');
  assert.equal(logged.length, 1, 'logged once per interval, not per failure');
  assert.equal(logged[0]!.level, 'WARN');
});

test('trace backend answering 503: requests succeed, each batch is retried, then counted as dropped', {
  timeout: 30_000,
}, async () => {
  let posts = 0;
  const sink = await startSink((req, res) => {
    posts++;
    req.resume();
    res.writeHead(503).end();
  });
  const { telemetry, app } = await startApp(sink.url);
  await drive(app, 100);
  const exhausted = 'opsight_telemetry_spans_dropped_total{reason="retries_exhausted"}';
  await until(async () => (await counter(telemetry, exhausted)) >= 10, 'the first batch given up');
  assert.ok(posts > 1, `the first batch was sent more than once (${posts} posts)`);
  assert.equal(await counter(telemetry, 'opsight_telemetry_spans_dropped_total{reason="export_failed"}'), 0);
});

test('trace backend answering 400: the batch is dropped as export_failed at once, not retried', {
  timeout: 30_000,
}, async () => {
  let posts = 0;
  const sink = await startSink((req, res) => {
    posts++;
    req.resume();
    res.writeHead(400).end();
  });
  const { telemetry, app } = await startApp(sink.url);
  await drive(app, 20);
  await telemetry.forceFlush();
  assert.equal(await counter(telemetry, 'opsight_telemetry_spans_dropped_total{reason="export_failed"}'), 20);
  assert.equal(posts, 2, 'two batches of 10, each sent once');
  assert.equal(await counter(telemetry, 'opsight_telemetry_span_export_retries_total'), 0);
});

test('trace backend that never answers: requests succeed, the queue stays bounded and overflow is counted', {
  timeout: 30_000,
}, async () => {
  const sink = await startSink((req) => {
    req.resume(); // hold the request open
  });
  const { telemetry, app } = await startApp(sink.url, { OTEL_BSP_MAX_QUEUE_SIZE: '20' });
  await drive(app, 200);
  const dropped = await counter(telemetry, 'opsight_telemetry_spans_dropped_total{reason="queue_full"}');
  assert.ok(dropped >= 100, `expected the overflow to be dropped, got ${dropped}`);
  assert.equal(await counter(telemetry, 'opsight_telemetry_spans_exported_total'), 0);
});

test('a working backend receives OTLP/HTTP protobuf and exported spans are counted', {
  timeout: 30_000,
}, async () => {
  const received: { type: string | undefined; bytes: number }[] = [];
  const sink = await startSink((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on('end', () => {
      received.push({ type: req.headers['content-type'], bytes });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  const { telemetry, app } = await startApp(sink.url);
  await drive(app, 40);
  await telemetry.forceFlush();
  assert.ok(received.length > 0);
  assert.equal(received[0]!.type, 'application/x-protobuf');
  assert.ok(received[0]!.bytes > 0);
  assert.equal(await counter(telemetry, 'opsight_telemetry_spans_exported_total'), 40);
});
