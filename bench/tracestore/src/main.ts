// Trace store benchmark, one run, results printed beside the targets of issue 7:
//   1. OTLP/HTTP ingest from a raw protobuf generator (it also fills the store for the query phases);
//   2. OTLP/HTTP ingest from the real OpenTelemetry JS protobuf exporter;
//   3. trace by id (Jaeger /api/traces/{id}) at the filled store;
//   4. search by service + 1 h window + minDuration (Jaeger /api/traces), and /api/dependencies over 24 h;
//   5. RSS of the trace store process.
// The store runs as its own process (the CLI the supervisor runs), with its default durability
// (WAL, synchronous=FULL); the load generator shares the same machine.
//
//   npm run bench -w bench/tracestore                    # 1,000,000 spans
//   BENCH_SPANS=200000 npm run bench -w bench/tracestore # a smaller store
//   BENCH_SYNCHRONOUS=NORMAL npm run bench -w bench/tracestore # durable against crashes, not power loss
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { encodeRequest, type GeneratedTrace, generateTrace } from './raw-generator.js';

const totalSpans = Number(process.env.BENCH_SPANS ?? 1_000_000);
const exporterSpans = Number(process.env.BENCH_EXPORTER_SPANS ?? 50_000);
const spansPerTrace = 10;
const tracesPerRequest = 50; // 500 spans per request, close to the SDK's default batch of 512
const concurrency = 4;
const synchronous = process.env.BENCH_SYNCHRONOUS ?? 'FULL';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

async function startStore(
  dataDir: string,
): Promise<{ child: ChildProcess; otlpHttp: string; query: string }> {
  const main = fileURLToPath(import.meta.resolve('@opsight/tracestore'));
  const bin = join(dirname(main), 'bin', 'tracestore.js');
  const child = spawn(
    process.execPath,
    [
      bin,
      '--data-dir',
      dataDir,
      '--otlp-http',
      '127.0.0.1:0',
      '--otlp-grpc',
      'off',
      '--query',
      '127.0.0.1:0',
      '--synchronous',
      synchronous,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const addresses = JSON.parse(line.toString()) as { otlpHttp: string; query: string };
  return { child, otlpHttp: addresses.otlpHttp, query: addresses.query };
}

async function post(url: string, body: Uint8Array): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body,
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`export answered ${response.status}`);
}

async function rawIngest(otlpHttp: string, nowNs: bigint, sample: GeneratedTrace[]): Promise<number> {
  const requestCount = Math.ceil(totalSpans / (spansPerTrace * tracesPerRequest));
  // The stored traffic covers the 6 hours before now, in time order. Requests are encoded before the clock
  // starts, as the exporter's spans are recorded before it starts, so both rates measure the store.
  const spanOfTime = 6n * 3600n * 1_000_000_000n;
  const requests: Uint8Array[] = [];
  for (let i = 0; i < requestCount; i++) {
    const at = nowNs - spanOfTime + (spanOfTime * BigInt(i)) / BigInt(requestCount);
    const traces = Array.from({ length: tracesPerRequest }, () => generateTrace(at, spansPerTrace));
    if (sample.length < 2000 && Math.random() < 0.05) sample.push(traces[0]!);
    requests.push(encodeRequest(traces));
  }
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < requests.length) await post(`http://${otlpHttp}/v1/traces`, requests[next++]!);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (requestCount * tracesPerRequest * spansPerTrace) / ((performance.now() - started) / 1000);
}

function recordSdkSpans(count: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'sdk-bench', 'service.version': '1.0.0' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('bench');
  for (let i = 0; i < count / 5; i++) {
    const root = tracer.startSpan('POST /v1/chat/completions', {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'POST', 'http.response.status_code': 200, request_id: `req-${i}` },
    });
    const ctx = trace.setSpan(ROOT_CONTEXT, root);
    for (let j = 0; j < 4; j++) {
      const child = tracer.startSpan(`step-${j}`, { kind: SpanKind.CLIENT, attributes: { step: j } }, ctx);
      if (j === 3 && i % 50 === 0) child.setStatus({ code: SpanStatusCode.ERROR });
      child.end();
    }
    root.end();
  }
  return memory.getFinishedSpans();
}

async function exporterIngest(otlpHttp: string): Promise<number> {
  const spans = recordSdkSpans(exporterSpans);
  const exporter = new OTLPTraceExporter({
    url: `http://${otlpHttp}/v1/traces`,
    concurrencyLimit: concurrency * 4,
  });
  const batches: ReadableSpan[][] = [];
  for (let i = 0; i < spans.length; i += 512) batches.push(spans.slice(i, i + 512));
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      await new Promise<void>((resolve, reject) =>
        exporter.export(batch, (r) =>
          r.code === ExportResultCode.SUCCESS ? resolve() : reject(r.error ?? new Error('export failed')),
        ),
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const rate = spans.length / ((performance.now() - started) / 1000);
  await exporter.shutdown();
  return rate;
}

async function timeGets(urls: string[]): Promise<number[]> {
  const times: number[] = [];
  for (const url of urls) {
    const started = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
    times.push(performance.now() - started);
  }
  return times;
}

async function rssBytes(query: string): Promise<number> {
  const text = await (await fetch(`http://${query}/metrics`)).text();
  return Number(/^process_resident_memory_bytes (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-tracestore-'));
  const store = await startStore(dataDir);
  try {
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const sample: GeneratedTrace[] = [];
    console.log(`filling the store with ${totalSpans} spans from the raw protobuf generator…`);
    const rawRate = await rawIngest(store.otlpHttp, nowNs, sample);
    console.log(`exporting ${exporterSpans} spans with the OpenTelemetry JS protobuf exporter…`);
    const sdkRate = await exporterIngest(store.otlpHttp);

    const ids = sample.slice(0, 200).map((t) => t.traceId.toString('hex'));
    const byId = await timeGets(ids.map((id) => `http://${store.query}/api/traces/${id}`));
    const endUs = nowNs / 1000n;
    const searchUrl = (service: string) =>
      `http://${store.query}/api/traces?service=${service}&start=${endUs - 3_600_000_000n}&end=${endUs}&minDuration=500ms&limit=20`;
    const services = ['gateway', 'api-service', 'model-router', 'model-serving', 'postgres'];
    const search = await timeGets(
      Array.from({ length: 50 }, (_, i) => searchUrl(services[i % services.length]!)),
    );
    const endMs = nowNs / 1_000_000n;
    const dependencies = await timeGets(
      Array.from(
        { length: 3 },
        () => `http://${store.query}/api/dependencies?endTs=${endMs}&lookback=86400000`,
      ),
    );
    const rss = await rssBytes(store.query);

    const rows: [string, string, string, string][] = [
      [
        'OTLP ingest, raw protobuf generator',
        `${Math.round(rawRate)} spans/s`,
        '≥ 20000 spans/s',
        (rawRate / 20000).toFixed(2),
      ],
      [
        'OTLP ingest, OTel JS protobuf exporter',
        `${Math.round(sdkRate)} spans/s`,
        '≥ 20000 spans/s',
        (sdkRate / 20000).toFixed(2),
      ],
      [
        `trace by id at ${totalSpans} spans, p50`,
        `${percentile(byId, 50).toFixed(2)} ms`,
        '≤ 20 ms',
        (20 / percentile(byId, 50)).toFixed(2),
      ],
      [
        `trace by id at ${totalSpans} spans, p95`,
        `${percentile(byId, 95).toFixed(2)} ms`,
        '≤ 20 ms',
        (20 / percentile(byId, 95)).toFixed(2),
      ],
      [
        'search service+1h+minDuration, p50',
        `${percentile(search, 50).toFixed(2)} ms`,
        '≤ 200 ms',
        (200 / percentile(search, 50)).toFixed(2),
      ],
      [
        'search service+1h+minDuration, p95',
        `${percentile(search, 95).toFixed(2)} ms`,
        '≤ 200 ms',
        (200 / percentile(search, 95)).toFixed(2),
      ],
      [
        `dependencies over 24 h (all ${totalSpans} spans), p50`,
        `${percentile(dependencies, 50).toFixed(0)} ms`,
        '(reported)',
        '-',
      ],
      ['trace store RSS after the run', `${(rss / 1024 / 1024).toFixed(0)} MiB`, '(reported)', '-'],
    ];
    console.log(`\nstore: WAL, synchronous=${synchronous}`);
    console.log('measure | measured | target | ratio to target (≥ 1 meets it)');
    for (const row of rows) console.log(row.join(' | '));
    console.log(
      '\nanchor: the OpenTelemetry Collector publishes about 12k spans/s per CPU; this machine has 2 shared cores.',
    );
  } finally {
    store.child.kill('SIGTERM');
    await once(store.child, 'exit');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
