import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Link, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode, hrTimeToNanoseconds } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { SpanStore } from '../../src/internal/storage/span-store.js';
import { TraceStoreServer } from '../../src/internal/trace-store-server.js';
import { hexId, otlpProtobufRequest } from '../support/otlp-request.js';
import { tempDir } from '../support/temp-dir.js';

function hrToNanos(time: [number, number]): string {
  return (BigInt(time[0]) * 1_000_000_000n + BigInt(time[1])).toString();
}

function attributeJson(value: unknown): Record<string, unknown> {
  if (Array.isArray(value)) return { arrayValue: { values: value.map(attributeJson) } };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  }
  throw new Error(`unexpected attribute ${String(value)}`);
}

function attributesJson(attributes: Record<string, unknown>) {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: attributeJson(value) }));
}

const otlpKind: Record<number, number> = {
  [SpanKind.INTERNAL]: 1,
  [SpanKind.SERVER]: 2,
  [SpanKind.CLIENT]: 3,
  [SpanKind.PRODUCER]: 4,
  [SpanKind.CONSUMER]: 5,
};

/** What the OTLP/JSON of a span must be, computed from the SDK's own record of it. */
function expectedSpanJson(span: ReadableSpan): Record<string, unknown> {
  const out: Record<string, unknown> = {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
  };
  if (span.parentSpanContext) out.parentSpanId = span.parentSpanContext.spanId;
  out.name = span.name;
  out.kind = otlpKind[span.kind];
  out.startTimeUnixNano = hrToNanos(span.startTime);
  out.endTimeUnixNano = hrToNanos(span.endTime);
  if (Object.keys(span.attributes).length > 0) out.attributes = attributesJson(span.attributes);
  if (span.events.length > 0) {
    out.events = span.events.map((e) => {
      const event: Record<string, unknown> = { timeUnixNano: hrToNanos(e.time), name: e.name };
      if (e.attributes && Object.keys(e.attributes).length > 0)
        event.attributes = attributesJson(e.attributes);
      return event;
    });
  }
  if (span.links.length > 0) {
    out.links = span.links.map((l: Link) => {
      const link: Record<string, unknown> = { traceId: l.context.traceId, spanId: l.context.spanId };
      if (l.attributes && Object.keys(l.attributes).length > 0)
        link.attributes = attributesJson(l.attributes);
      return link;
    });
  }
  const status: Record<string, unknown> = {};
  if (span.status.message) status.message = span.status.message;
  if (span.status.code) status.code = span.status.code;
  out.status = status;
  return out;
}

/** Spans with every attribute type, events, links, every status and kind, and exact nanosecond times. */
function recordSpans(service: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': service,
      'deployment.environment.name': 'test',
      'host.cpus': 2,
    }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('round-trip', '9.8.7');
  const root = tracer.startSpan('POST /v1/chat/completions', {
    kind: SpanKind.SERVER,
    startTime: [1_795_000_000, 123_456_789],
    attributes: {
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'gen_ai.request.model': 'sim-small',
      request_id: 'req-1',
      ratio: 0.25,
      cached: false,
      big: 9_007_199_254_740_991,
      negative: -42,
      'tags.list': ['a', 'b'],
      'numbers.list': [1, 2, 3],
      'floats.list': [1.5, -2.25],
      'flags.list': [true, false],
    },
  });
  root.addEvent('first-token', { 'gen_ai.usage.output_tokens': 1, note: 'x' }, [1_795_000_000, 223_456_789]);
  root.addEvent('done', [1_795_000_000, 923_456_789]);
  const ctx = trace.setSpan(ROOT_CONTEXT, root);
  const child = tracer.startSpan(
    'model-router.Route',
    {
      kind: SpanKind.CLIENT,
      startTime: [1_795_000_000, 200_000_001],
      links: [
        {
          context: { traceId: 'abcdef0123456789abcdef0123456789', spanId: '0123456789abcdef', traceFlags: 1 },
          attributes: { reason: 'batch' },
        },
      ],
    },
    ctx,
  );
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timeout' });
  child.end([1_795_000_000, 800_000_999]);
  const internal = tracer.startSpan(
    'cache.lookup',
    { kind: SpanKind.INTERNAL, startTime: [1_795_000_000, 130_000_000] },
    ctx,
  );
  internal.setStatus({ code: SpanStatusCode.OK });
  internal.end([1_795_000_000, 130_000_000]);
  for (const kind of [SpanKind.PRODUCER, SpanKind.CONSUMER]) {
    tracer
      .startSpan(`queue.${kind}`, { kind, startTime: [1_795_000_000, 300_000_000] }, ctx)
      .end([1_795_000_000, 300_500_000]);
  }
  root.end([1_795_000_001, 5]);
  return memory.getFinishedSpans();
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<void> {
  return new Promise((resolve, reject) => {
    exporter.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) resolve();
      else reject(result.error ?? new Error('export failed'));
    });
  });
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('TraceStoreServer', () => {
  for (const [name, make] of [
    [
      'protobuf exporter',
      (s: TraceStoreServer) => new ProtoExporter({ url: `http://${s.addresses.otlpHttp}/v1/traces` }),
    ],
    [
      'JSON exporter',
      (s: TraceStoreServer) => new JsonExporter({ url: `http://${s.addresses.otlpHttp}/v1/traces` }),
    ],
    ['gRPC exporter', (s: TraceStoreServer) => new GrpcExporter({ url: `http://${s.addresses.otlpGrpc}` })],
    [
      'protobuf exporter with gzip',
      (s: TraceStoreServer) =>
        new ProtoExporter({
          url: `http://${s.addresses.otlpHttp}/v1/traces`,
          compression: CompressionAlgorithm.GZIP,
        }),
    ],
    [
      'gRPC exporter with gzip',
      (s: TraceStoreServer) =>
        new GrpcExporter({ url: `http://${s.addresses.otlpGrpc}`, compression: CompressionAlgorithm.GZIP }),
    ],
  ] as const) {
    it(`round-trips spans from the OpenTelemetry JS ${name} exactly`, async (t) => {
      const server = await TraceStoreServer.start({
        dataDir: tempDir(t),
        otlpHttp: '127.0.0.1:0',
        otlpGrpc: '127.0.0.1:0',
        query: '127.0.0.1:0',
      });
      t.after(() => server.close());
      const spans = recordSpans('api-service');
      const exporter = make(server);
      await exportWith(exporter, spans);
      await exporter.shutdown();

      const traceId = spans[0]!.spanContext().traceId;
      const { status, body } = await getJson(`http://${server.addresses.query}/api/v3/traces/${traceId}`);
      assert.equal(status, 200);
      const result = body.result as { resourceSpans: Record<string, unknown>[] };
      assert.equal(result.resourceSpans.length, 1);
      const rs = result.resourceSpans[0] as {
        resource: { attributes: unknown[] };
        scopeSpans: { scope: unknown; spans: Record<string, unknown>[] }[];
      };
      assert.deepEqual(rs.resource.attributes, attributesJson(spans[0]!.resource.attributes));
      assert.deepEqual(rs.scopeSpans[0]!.scope, { name: 'round-trip', version: '9.8.7' });
      const byId = new Map(rs.scopeSpans[0]!.spans.map((s) => [s.spanId as string, s]));
      assert.equal(byId.size, spans.length);
      for (const span of spans) {
        const stored = { ...byId.get(span.spanContext().spanId)! };
        const expected = expectedSpanJson(span);
        // flags carry the W3C trace flags plus the exporter's remote-parent bits: compare the trace flags.
        assert.equal((stored.flags as number) & 0xff, span.spanContext().traceFlags);
        delete stored.flags;
        for (const link of (stored.links as Record<string, unknown>[] | undefined) ?? []) delete link.flags;
        assert.deepEqual(stored, expected, `span ${span.name}`);
      }
      assert.ok(hrTimeToNanoseconds(spans[0]!.startTime) > 0);
    });
  }

  it('keeps every acknowledged span when killed with SIGKILL during ingest', async (t) => {
    const dataDir = tempDir(t);
    const bin = fileURLToPath(new URL('../../src/bin/tracestore.js', import.meta.url));
    const child: ChildProcess = spawn(
      process.execPath,
      [bin, '--data-dir', dataDir, '--otlp-http', '127.0.0.1:0', '--otlp-grpc', 'off', '--query', 'off'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    // Listen for the exit now: it may happen while the senders are still finishing.
    const exited = once(child, 'exit');
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const address = (JSON.parse(line.toString()) as { otlpHttp: string }).otlpHttp;
    const acknowledged: string[] = [];
    const sender = async (): Promise<void> => {
      for (;;) {
        const traceId = hexId(16);
        const request = otlpProtobufRequest(
          Array.from({ length: 50 }, (_, i) => ({ traceId, spanId: hexId(8), name: `op-${i}` })),
        );
        try {
          const response = await fetch(`http://${address}/v1/traces`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-protobuf' },
            body: request,
          });
          if (response.status === 200) acknowledged.push(traceId);
        } catch {
          return; // the server is gone
        }
      }
    };
    const senders = [sender(), sender(), sender()];
    while (acknowledged.length < 30 && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await Promise.all(senders);
    await exited;

    const store = new SpanStore({ dataDir });
    t.after(() => store.close());
    assert.equal(child.signalCode, 'SIGKILL');
    for (const traceId of acknowledged) {
      const stored = store.getTrace(Buffer.from(traceId, 'hex'));
      assert.equal(stored?.spans.length, 50, `trace ${traceId} was acknowledged`);
    }
    // Every stored trace is complete: no request was half-stored.
    const counts = store.db
      .prepare('SELECT count(*) AS n FROM spans GROUP BY trace_id', { rows: 'first' })
      .all() as number[];
    assert.ok(counts.every((n) => n === 50));
    assert.ok(acknowledged.length >= 30);
  });

  it('stops cleanly on SIGTERM, answering /ready until then', async (t) => {
    const bin = fileURLToPath(new URL('../../src/bin/tracestore.js', import.meta.url));
    const child = spawn(
      process.execPath,
      [
        bin,
        '--data-dir',
        tempDir(t),
        '--otlp-http',
        '127.0.0.1:0',
        '--otlp-grpc',
        '127.0.0.1:0',
        '--query',
        '127.0.0.1:0',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const { query } = JSON.parse(line.toString()) as { query: string };
    assert.equal((await fetch(`http://${query}/ready`)).status, 200);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 0);
  });

  it('refuses to start on an unknown SQLite driver', async (t) => {
    const bin = fileURLToPath(new URL('../../src/bin/tracestore.js', import.meta.url));
    const child = spawn(
      process.execPath,
      [bin, '--data-dir', tempDir(t), '--query', 'off', '--sqlite-driver', 'sqlite3'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 1);
    assert.match(stderr, /unknown SQLite driver sqlite3 \(one of: better-sqlite3, node:sqlite\)/);
  });

  it('refuses to start without a data directory', async () => {
    const bin = fileURLToPath(new URL('../../src/bin/tracestore.js', import.meta.url));
    const child = spawn(process.execPath, [bin, '--query', 'off'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 1);
    assert.match(stderr, /--data-dir is required/);
  });
});
