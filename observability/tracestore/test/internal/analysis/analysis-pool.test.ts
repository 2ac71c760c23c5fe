// Trace analyses on worker threads: the same answers as the analysis on the store's thread (capped huge
// traces included), ingest acknowledged while an analysis runs, deadlines, cancellation, and crashed
// threads answered 500 and replaced.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { AnalysisPool } from '../../../src/internal/analysis/analysis-pool.js';
import { analyzeTrace } from '../../../src/internal/analysis/trace-analysis.js';
import { TraceStoreError } from '../../../src/internal/error-codes.js';
import { decodeExportRequest } from '../../../src/internal/otlp/ingest-batch.js';
import { defaultSpanLimits } from '../../../src/internal/otlp/validate-span.js';
import { decodeTrace } from '../../../src/internal/query/decoded-trace.js';
import { SpanStore } from '../../../src/internal/storage/span-store.js';
import { TraceStoreServer } from '../../../src/internal/trace-store-server.js';
import { hexId, otlpProtobufRequest, type TestSpan } from '../../support/otlp-request.js';
import { tempDir } from '../../support/temp-dir.js';

const t0 = 1_795_000_000_000_000_000n;
const fixture = new URL('../../support/analysis-fixture-worker.js', import.meta.url);

/** A chain of `n` spans over two services (each a child of the one before), pushed in 500-span requests. */
function chain(traceId: string, n: number): TestSpan[][] {
  const ids = Array.from({ length: n }, () => hexId(8));
  const spans = ids.map((spanId, i) => ({
    traceId,
    spanId,
    parentSpanId: i > 0 ? ids[i - 1] : undefined,
    name: `step-${i}`,
    service: i % 2 === 0 ? 'api-service' : 'model-router',
    startNs: t0 + BigInt(i) * 1000n,
    endNs: t0 + BigInt(2 * n - i) * 1000n,
  }));
  const requests: TestSpan[][] = [];
  for (let i = 0; i < n; i += 500) requests.push(spans.slice(i, i + 500));
  return requests;
}

function storeWith(t: { after: (fn: () => void) => void }, traces: Record<string, number>): SpanStore {
  const store = new SpanStore({ dataDir: tempDir(t), maxSpansPerTrace: 5000 });
  t.after(() => store.close());
  for (const [traceId, n] of Object.entries(traces)) {
    for (const spans of chain(traceId, n)) {
      store.ingest(decodeExportRequest(otlpProtobufRequest(spans), defaultSpanLimits));
    }
  }
  return store;
}

function task(store: SpanStore, traceId: string, maxSpans: number) {
  return {
    file: store.file,
    driver: store.db.driver,
    maxSpansPerTrace: store.maxSpansPerTrace,
    traceId,
    maxSpans,
  };
}

function inline(store: SpanStore, traceId: string, maxSpans: number) {
  return analyzeTrace(decodeTrace(store.getTrace(Buffer.from(traceId, 'hex'), maxSpans)!), maxSpans);
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('AnalysisPool', () => {
  it('answers as the analysis on the store thread, for a small trace and a capped huge one', async (t) => {
    const small = hexId(16);
    const huge = hexId(16);
    const store = storeWith(t, { [small]: 7, [huge]: 6000 });
    const pool = new AnalysisPool({ size: 2 });
    t.after(() => pool.close());
    const [a, b, c] = await Promise.all([
      pool.analyze(task(store, small, 1000)),
      pool.analyze(task(store, huge, 1000)),
      pool.analyze(task(store, huge, 5000)),
    ]);
    assert.deepEqual(a, inline(store, small, 1000));
    assert.deepEqual(b, inline(store, huge, 1000));
    assert.deepEqual(c, inline(store, huge, 5000));
    assert.equal(b!.truncated, true);
    assert.equal(c!.spanCount, 5000, 'the store kept its 5,000-span limit');
    assert.equal(await pool.analyze(task(store, hexId(16), 1000)), null, 'a trace not stored');
    assert.equal(pool.stats.completed, 4);
  });

  it('leaves the store thread free: ingest is acknowledged while an analysis runs', async (t) => {
    const traceId = `b10c${hexId(14)}`;
    const dir = tempDir(t);
    const release = join(dir, 'release');
    process.env.ANALYSIS_FIXTURE_RELEASE = release;
    t.after(() => {
      delete process.env.ANALYSIS_FIXTURE_RELEASE;
    });
    const server = await TraceStoreServer.start({
      dataDir: join(dir, 'data'),
      otlpHttp: '127.0.0.1:0',
      otlpGrpc: null,
      query: '127.0.0.1:0',
      maxAnalysisSpans: 3000,
      analysisWorkerUrl: fixture,
    });
    t.after(() => server.close());
    const post = (spans: TestSpan[]) =>
      fetch(`http://${server.addresses.otlpHttp}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: otlpProtobufRequest(spans),
      });
    for (const spans of chain(traceId, 5000)) assert.equal((await post(spans)).status, 200);
    let answered = false;
    const analysis = fetch(`http://${server.addresses.query}/api/opsight/traces/${traceId}/analysis`).then(
      async (response) => {
        answered = true;
        return { status: response.status, body: await response.json() };
      },
    );
    const waitRunning = async () => {
      while (server.analysisPool!.stats.started === 0) await new Promise((r) => setTimeout(r, 5));
    };
    await waitRunning();
    // The analysis is held on its thread: 20 exports are stored and acknowledged meanwhile.
    const other = hexId(16);
    for (let i = 0; i < 20; i++) {
      const response = await post([{ traceId: other, spanId: hexId(8), name: `late-${i}` }]);
      assert.equal(response.status, 200);
    }
    assert.equal(answered, false, 'the analysis is still running');
    assert.equal(server.store.getTrace(Buffer.from(other, 'hex'))?.spans.length, 20);
    writeFileSync(release, '');
    const { status, body } = await analysis;
    assert.equal(status, 200);
    assert.deepEqual(body, inline(server.store, traceId, 3000));
    assert.equal((body as { truncated: boolean }).truncated, true);
  });

  it('stops an analysis past its deadline (504), and the next one runs on a fresh thread', async (t) => {
    delete process.env.ANALYSIS_FIXTURE_RELEASE;
    const held = `b10c${hexId(14)}`;
    const small = hexId(16);
    const store = storeWith(t, { [held]: 3, [small]: 3 });
    const pool = new AnalysisPool({ size: 1, workerUrl: fixture });
    t.after(() => pool.close());
    const error = await rejection(pool.analyze(task(store, held, 100), { timeoutMs: 200 }));
    assert.ok(error instanceof TraceStoreError);
    assert.equal(error.code, 'ANALYSIS_TIMEOUT');
    assert.equal(error.status, 504);
    assert.deepEqual(await pool.analyze(task(store, small, 100)), inline(store, small, 100));
    assert.deepEqual([pool.stats.timedOut, pool.stats.started], [1, 2]);
  });

  it('stops the analysis when its client goes away, waiting or running', async (t) => {
    delete process.env.ANALYSIS_FIXTURE_RELEASE;
    const held = `b10c${hexId(14)}`;
    const small = hexId(16);
    const store = storeWith(t, { [held]: 3, [small]: 3 });
    const pool = new AnalysisPool({ size: 1, workerUrl: fixture });
    t.after(() => pool.close());
    const running = new AbortController();
    const waiting = new AbortController();
    const first = rejection(pool.analyze(task(store, held, 100), { signal: running.signal }));
    const second = rejection(pool.analyze(task(store, small, 100), { signal: waiting.signal }));
    waiting.abort();
    running.abort();
    for (const error of [await first, await second]) {
      assert.ok(error instanceof TraceStoreError);
      assert.equal(error.code, 'ANALYSIS_CANCELLED');
      assert.equal(error.status, 499);
    }
    assert.equal(pool.stats.cancelled, 2);
    assert.deepEqual(await pool.analyze(task(store, small, 100)), inline(store, small, 100));
  });

  it('answers 500 for a thread that crashes, and replaces the thread', async (t) => {
    const small = hexId(16);
    const store = storeWith(t, { [small]: 3 });
    const pool = new AnalysisPool({ size: 1, workerUrl: fixture });
    t.after(() => pool.close());
    for (let i = 0; i < 2; i++) {
      const error = await rejection(pool.analyze(task(store, `dead${hexId(14)}`, 100)));
      assert.ok(!(error instanceof TraceStoreError), 'answered as INTERNAL_ERROR');
      assert.match(error.message, /trace analysis thread crashed: exited with code 7/);
      assert.deepEqual(await pool.analyze(task(store, small, 100)), inline(store, small, 100));
    }
    assert.deepEqual([pool.stats.crashed, pool.stats.started], [2, 3]);
  });

  it('answers 500 for an analysis that throws, and keeps the thread', async (t) => {
    const small = hexId(16);
    const store = storeWith(t, { [small]: 3 });
    const pool = new AnalysisPool({ size: 1, workerUrl: fixture });
    t.after(() => pool.close());
    const error = await rejection(pool.analyze(task(store, `bad0${hexId(14)}`, 100)));
    assert.ok(!(error instanceof TraceStoreError), 'answered as INTERNAL_ERROR');
    assert.match(error.message, /trace analysis failed: Error: a bug in the analysis/);
    assert.deepEqual(await pool.analyze(task(store, small, 100)), inline(store, small, 100));
    assert.deepEqual([pool.stats.crashed, pool.stats.started], [0, 1]);
  });

  it('refuses analyses beyond its queue with 503 ANALYSIS_BUSY', async (t) => {
    delete process.env.ANALYSIS_FIXTURE_RELEASE;
    const held = `b10c${hexId(14)}`;
    const store = storeWith(t, { [held]: 3 });
    const pool = new AnalysisPool({ size: 1, maxQueued: 1, workerUrl: fixture });
    const running = rejection(pool.analyze(task(store, held, 100)));
    const waiting = rejection(pool.analyze(task(store, held, 100)));
    const error = await rejection(pool.analyze(task(store, held, 100)));
    assert.ok(error instanceof TraceStoreError);
    assert.equal(error.code, 'ANALYSIS_BUSY');
    assert.equal(error.retryAfterSeconds, 1);
    await pool.close();
    assert.match((await running).message, /closing/);
    assert.match((await waiting).message, /closing/);
  });
});

describe('GET /api/opsight/traces/{id}/analysis on the pool', () => {
  async function serverWith(t: TestContext, traceIds: string[], analysisTimeoutMs?: number) {
    const logged: Record<string, unknown>[] = [];
    const server = await TraceStoreServer.start({
      dataDir: tempDir(t),
      otlpHttp: '127.0.0.1:0',
      otlpGrpc: null,
      query: '127.0.0.1:0',
      analysisThreads: 1,
      ...(analysisTimeoutMs ? { analysisTimeoutMs } : {}),
      analysisWorkerUrl: fixture,
      logError: (fields) => logged.push(fields),
    });
    t.after(() => server.close());
    for (const traceId of traceIds) {
      const response = await fetch(`http://${server.addresses.otlpHttp}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: otlpProtobufRequest(chain(traceId, 3)[0]!),
      });
      assert.equal(response.status, 200);
    }
    const analysis = (traceId: string, signal?: AbortSignal) =>
      fetch(`http://${server.addresses.query}/api/opsight/traces/${traceId}/analysis`, { signal });
    return { server, logged, analysis };
  }

  it('answers 504 ANALYSIS_TIMEOUT past the deadline', async (t) => {
    delete process.env.ANALYSIS_FIXTURE_RELEASE;
    const held = `b10c${hexId(14)}`;
    const { server, analysis } = await serverWith(t, [held], 300);
    const late = await analysis(held);
    assert.equal(late.status, 504);
    const body = (await late.json()) as { errors: { error: string }[] };
    assert.equal(body.errors[0]!.error, 'ANALYSIS_TIMEOUT');
    assert.equal(server.analysisPool!.stats.timedOut, 1);
  });

  it('answers 500 for a crashed thread, and stops the analysis of a client gone', async (t) => {
    delete process.env.ANALYSIS_FIXTURE_RELEASE;
    const held = `b10c${hexId(14)}`;
    const dead = `dead${hexId(14)}`;
    const { server, logged, analysis } = await serverWith(t, [held, dead]);
    const crashed = await analysis(dead);
    assert.equal(crashed.status, 500);
    assert.equal(
      ((await crashed.json()) as { errors: { error: string }[] }).errors[0]!.error,
      'INTERNAL_ERROR',
    );
    assert.match(String(logged.at(-1)?.error), /trace analysis thread crashed/);

    const gone = new AbortController();
    const request = analysis(held, gone.signal).catch(() => null);
    while (server.analysisPool!.stats.started < 2) await new Promise((r) => setTimeout(r, 5));
    gone.abort();
    await request;
    while (server.analysisPool!.stats.cancelled < 1) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual([server.analysisPool!.stats.crashed, server.analysisPool!.stats.cancelled], [1, 1]);
  });
});
