import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import {
  BoundedSpanProcessor,
  OtlpHttpSpanExporter,
  type SpanDropReason,
  type SpanExportRetryOptions,
} from '@opsight/telemetry';
import { TraceStoreServer } from '../../src/index.js';

function pipeline(url: string, retry: SpanExportRetryOptions, maxQueueSize = 2048) {
  const counts = { exported: 0, retries: 0, dropped: {} as Partial<Record<SpanDropReason, number>> };
  const processor = new BoundedSpanProcessor(
    new OtlpHttpSpanExporter({ url, timeoutMs: 2000 }),
    { maxQueueSize, maxExportBatchSize: 20, scheduleDelayMs: 10, exportTimeoutMs: 2000, ...retry },
    {
      onExported: (n) => {
        counts.exported += n;
      },
      onDropped: (reason, n) => {
        counts.dropped[reason] = (counts.dropped[reason] ?? 0) + n;
      },
      onError: () => {},
      onRetry: () => {
        counts.retries++;
      },
    },
  );
  const provider = new BasicTracerProvider({ spanProcessors: [processor] });
  const tracer = provider.getTracer('retry-test');
  const ids: string[] = [];
  const emit = (n: number): void => {
    for (let i = 0; i < n; i++) {
      const span = tracer.startSpan(`op-${ids.length}`);
      ids.push(span.spanContext().spanId);
      span.end();
    }
  };
  return { processor, counts, emit, ids, traceIds: () => ids };
}

async function until(condition: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('BoundedSpanProcessor with OtlpHttpSpanExporter', () => {
  it('loses no span while a real trace store answers 503 (full disk) for a while, then recovers', async (t) => {
    const server = await TraceStoreServer.start({
      dataDir: ':memory:',
      otlpHttp: '127.0.0.1:0',
      otlpGrpc: null,
      query: null,
      retryAfterSeconds: 1,
    });
    t.after(() => server.close());
    // The switch: commits fail as SQLite fails on a full disk, so the store answers 503 STORAGE_FULL.
    let full = true;
    let refused = 0;
    const diskFull = () => Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const { store } = server;
    const ingest = store.ingest.bind(store);
    const ingestMany = store.ingestMany.bind(store);
    store.ingest = (batch) => {
      if (full) {
        refused++;
        throw diskFull();
      }
      return ingest(batch);
    };
    store.ingestMany = (batches) => {
      if (full) throw diskFull();
      return ingestMany(batches);
    };
    const p = pipeline(`http://${server.addresses.otlpHttp}/v1/traces`, {
      initialBackoffMs: 50,
      maxBackoffMs: 400,
      maxRetryElapsedMs: 60_000,
    });
    t.after(() => p.processor.shutdown());
    p.emit(100);
    await until(() => refused >= 2, 'two refused exports');
    p.emit(100);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    p.emit(100);
    full = false;
    await until(() => p.counts.exported === 300, 'every span exported');
    assert.deepEqual(p.counts.dropped, {});
    assert.ok(p.counts.retries >= 2, `retries: ${p.counts.retries}`);
    assert.equal(store.spanCount(), 300);
    for (const id of p.ids) {
      const found = store.db
        .prepare('SELECT count(*) FROM spans WHERE span_id = ?', { rows: 'first' })
        .get(Buffer.from(id, 'hex'));
      assert.equal(found, 1, `span ${id}`);
    }
  });

  it('waits as long as Retry-After asks before sending again', async (t) => {
    const posts: number[] = [];
    const sink = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        posts.push(Date.now());
        if (posts.length === 1) res.writeHead(429, { 'retry-after': '1' }).end();
        else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise((resolve) => sink.close(resolve)));
    const port = (sink.address() as AddressInfo).port;
    const p = pipeline(`http://127.0.0.1:${port}/v1/traces`, { initialBackoffMs: 10, maxBackoffMs: 10 });
    t.after(() => p.processor.shutdown());
    p.emit(5);
    await until(() => p.counts.exported === 5, 'the retried batch delivered');
    assert.equal(posts.length, 2);
    assert.ok(
      posts[1]! - posts[0]! >= 950,
      `retried after ${posts[1]! - posts[0]!} ms, Retry-After said 1 s`,
    );
  });

  it('drops a batch refused for good (400) at once, without retrying, and counts it', async (t) => {
    let posts = 0;
    const sink = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        posts++;
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad"}');
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise((resolve) => sink.close(resolve)));
    const port = (sink.address() as AddressInfo).port;
    const p = pipeline(`http://127.0.0.1:${port}/v1/traces`, { initialBackoffMs: 10 });
    t.after(() => p.processor.shutdown());
    p.emit(40);
    await until(() => (p.counts.dropped.export_failed ?? 0) === 40, 'both batches dropped');
    assert.equal(posts, 2);
    assert.equal(p.counts.retries, 0);
  });

  it('gives up on a batch after the retry window, counts it, and holds no more than the queue bound', async (t) => {
    const sink = createServer();
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const port = (sink.address() as AddressInfo).port;
    await new Promise((resolve) => sink.close(resolve)); // nothing listens there now: connection refused
    const p = pipeline(
      `http://127.0.0.1:${port}/v1/traces`,
      { initialBackoffMs: 10, maxBackoffMs: 20, maxRetryElapsedMs: 150 },
      50,
    );
    p.emit(80);
    assert.equal(p.counts.dropped.queue_full, 30, 'over the bound of 50 held spans');
    assert.ok(p.processor.held <= 50);
    await until(() => (p.counts.dropped.retries_exhausted ?? 0) >= 20, 'a batch given up');
    assert.ok(p.counts.retries > 1);
    await p.processor.shutdown();
    const { queue_full = 0, retries_exhausted = 0, export_failed = 0 } = p.counts.dropped;
    assert.equal(
      queue_full + retries_exhausted + export_failed + p.counts.exported,
      80,
      'every span accounted for',
    );
    t.after(() => undefined);
  });
});
