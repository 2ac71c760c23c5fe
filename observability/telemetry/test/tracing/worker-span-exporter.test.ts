import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, test } from 'node:test';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { BoundedSpanProcessor, type SpanDropReason } from '../../src/tracing/bounded-span-processor.js';
import { OtlpExportError } from '../../src/tracing/otlp-http-span-exporter.js';
import { WorkerSpanExporter } from '../../src/tracing/worker-span-exporter.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An OTLP sink that keeps each request body and answers with `answer`. */
async function startSink(answer: (res: ServerResponse) => void = (res) => res.writeHead(200).end()) {
  const bodies: Buffer[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, bodies };
}

/** Finished spans of every shape the serializer writes: parent, events, links, status, trace state. */
function makeSpans(n: number): ReadableSpan[] {
  const finished: ReadableSpan[] = [];
  const collect: SpanProcessor = {
    onStart: () => {},
    onEnd: (span) => finished.push(span),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'worker-test', 'service.instance.id': 'i-1' }),
    spanProcessors: [collect],
  });
  const tracer = provider.getTracer('@opsight/telemetry', '0.1.0');
  const other = provider.getTracer('other-scope');
  for (let i = 0; i < n; i++) {
    const root = tracer.startSpan(`GET /v1/chat ${i}`, {
      kind: SpanKind.SERVER,
      attributes: {
        'http.response.status_code': 200,
        'url.path': '/v1/chat',
        ok: true,
        ratio: 0.5,
        tags: ['a', 'b'],
      },
    });
    root.addEvent('exception', { 'exception.message': 'x'.repeat(i % 5) });
    root.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream failed' });
    const child = (i % 2 === 0 ? tracer : other).startSpan(
      'model-router/Route',
      {
        kind: SpanKind.CLIENT,
        links: [
          {
            context: {
              traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
              spanId: '00f067aa0ba902b7',
              traceFlags: TraceFlags.SAMPLED,
              isRemote: true,
              traceState: new TraceState('vendor=1'),
            },
            attributes: { reason: 'retry' },
          },
        ],
      },
      trace.setSpan(ROOT_CONTEXT, root),
    );
    child.end();
    root.end();
  }
  return finished;
}

function exportOnce(exporter: WorkerSpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

test('the worker sends exactly the bytes the main-thread serializer would', async () => {
  const sink = await startSink();
  const exporter = new WorkerSpanExporter({ url: sink.url });
  cleanups.push(() => exporter.shutdown());
  const spans = makeSpans(20);
  const result = await exportOnce(exporter, spans);
  assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
  assert.equal(sink.bodies.length, 1);
  const expected = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
  assert.ok(expected.length > 1000);
  assert.deepEqual(sink.bodies[0], expected);
});

test("a refusal crosses back with the backend's status and Retry-After", async () => {
  const sink = await startSink((res) => res.writeHead(503, { 'retry-after': '7' }).end('busy'));
  const exporter = new WorkerSpanExporter({ url: sink.url });
  cleanups.push(() => exporter.shutdown());
  const result = await exportOnce(exporter, makeSpans(1));
  assert.equal(result.code, ExportResultCode.FAILED);
  assert.ok(result.error instanceof OtlpExportError);
  assert.equal(result.error.retryable, true);
  assert.equal(result.error.statusCode, 503);
  assert.equal(result.error.retryAfterMs, 7000);
});

test('shutdown exports what is queued through the worker before it stops', async () => {
  const sink = await startSink();
  let exported = 0;
  const processor = new BoundedSpanProcessor(
    new WorkerSpanExporter({ url: sink.url }),
    { maxQueueSize: 2048, maxExportBatchSize: 512, scheduleDelayMs: 60_000, exportTimeoutMs: 5000 },
    {
      onExported: (n) => (exported += n),
      onDropped: () => assert.fail('nothing is dropped'),
      onError: () => {},
    },
  );
  const spans = makeSpans(300); // 600 spans: two batches, both still queued (the delay is a minute)
  for (const span of spans) processor.onEnd(span);
  await processor.shutdown();
  assert.equal(exported, 600);
  assert.equal(sink.bodies.length, 2);
});

test('a worker that dies fails its exports as retryable; the processor counts them and does not hang', async () => {
  const sink = await startSink();
  const drops = new Map<SpanDropReason, number>();
  let retries = 0;
  const processor = new BoundedSpanProcessor(
    new WorkerSpanExporter({
      url: sink.url,
      workerUrl: new URL('../fixtures/dying-export-worker.js', import.meta.url),
    }),
    {
      maxQueueSize: 2048,
      maxExportBatchSize: 512,
      scheduleDelayMs: 5,
      exportTimeoutMs: 60_000,
      initialBackoffMs: 10,
      maxBackoffMs: 20,
      maxRetryElapsedMs: 300,
    },
    {
      onExported: () => assert.fail('nothing reaches the backend'),
      onDropped: (reason, n) => drops.set(reason, (drops.get(reason) ?? 0) + n),
      onRetry: () => retries++,
      onError: () => {},
    },
  );
  for (const span of makeSpans(5)) processor.onEnd(span);
  const deadline = Date.now() + 10_000;
  while ((drops.get('retries_exhausted') ?? 0) < 10) {
    assert.ok(Date.now() < deadline, 'the batch was given up within its retry window');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(retries >= 1, 'each death was retried with a new worker');
  assert.equal(sink.bodies.length, 0);
  assert.equal(processor.held, 0);
  await processor.shutdown();
});
