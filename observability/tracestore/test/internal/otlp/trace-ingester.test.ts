import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openDatabase } from '@opsight/sqlite';
import { Counter, Registry } from 'prom-client';
import type { TraceStoreError } from '../../../src/internal/error-codes.js';
import { SpanMetrics } from '../../../src/internal/metrics/span-metrics.js';
import type { IngestBatch } from '../../../src/internal/otlp/ingest-batch.js';
import { TraceIngester } from '../../../src/internal/otlp/trace-ingester.js';
import { defaultSpanLimits } from '../../../src/internal/otlp/validate-span.js';
import { SpanStore } from '../../../src/internal/storage/span-store.js';
import { hexId, otlpProtobufRequest } from '../../support/otlp-request.js';
import { tempDir } from '../../support/temp-dir.js';

/** A request of `n` spans of one trace (a root and its children, two services); returns the trace id too. */
function traceRequest(n: number): { traceId: string; body: Uint8Array } {
  const traceId = hexId(16);
  const root = hexId(8);
  const spans = Array.from({ length: n }, (_, i) =>
    i === 0 ? { traceId, spanId: root, service: 'gateway' } : { traceId, parentSpanId: root, service: 'api' },
  );
  return { traceId, body: otlpProtobufRequest(spans) };
}

/** Makes the store's write of a batch throw when `fails` says so (inside the transaction, like SQLITE_FULL). */
function failWrites(store: SpanStore, fails: (batch: IngestBatch) => boolean): void {
  const target = store as unknown as { write: (batch: IngestBatch) => unknown };
  const write = target.write.bind(store);
  target.write = (batch: IngestBatch) => {
    if (fails(batch)) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    return write(batch);
  };
}

function tableCounts(store: SpanStore) {
  const one = (sql: string) => Number(store.db.prepare(sql, { rows: 'first' }).get() ?? 0);
  return {
    spans: store.spanCount(),
    // The spans each trace counts as stored: its counts row, or (a small trace) its spans in the index.
    counted: one(`SELECT (SELECT coalesce(sum(spans), 0) FROM trace_counts)
      + (SELECT count(*) FROM spans WHERE trace_id NOT IN (SELECT trace_id FROM trace_counts))`),
    calls: one('SELECT sum(calls) FROM dependency_hours'),
  };
}

function ingester(store: SpanStore): TraceIngester {
  const registry = new Registry();
  const counter = (name: string) =>
    new Counter({ name, help: name, labelNames: ['transport', 'outcome'] as const, registers: [registry] });
  return new TraceIngester(store, defaultSpanLimits, new SpanMetrics(registry), {
    spans: counter('spans'),
    requests: counter('requests'),
  });
}

describe('TraceIngester', () => {
  it('commits requests of the same turn together and answers each with its own outcome', async () => {
    const store = new SpanStore({ dataDir: ':memory:' });
    let groups = 0;
    const ingestMany = store.ingestMany.bind(store);
    store.ingestMany = (batches: IngestBatch[]) => {
      groups++;
      return ingestMany(batches);
    };
    const ing = ingester(store);
    const outcomes = await Promise.all([
      ing.export(otlpProtobufRequest([{}, {}]), 'protobuf', 'test'),
      ing.export(otlpProtobufRequest([{}, { kind: 99 }]), 'protobuf', 'test'),
      ing.export(otlpProtobufRequest([{}]), 'protobuf', 'test'),
    ]);
    assert.equal(groups, 1);
    assert.deepEqual(
      outcomes.map((o) => [o.stored, o.rejected]),
      [
        [2, 0],
        [1, 1],
        [1, 0],
      ],
    );
    assert.equal(store.spanCount(), 4);
    store.close();
  });

  it('isolates a request whose storage fails: the others of its group are stored', async () => {
    const store = new SpanStore({ dataDir: ':memory:' });
    const ing = ingester(store);
    const ingest = store.ingest.bind(store);
    store.ingest = (batch: IngestBatch) => {
      if (batch.spans.length === 3) throw new Error('disk full');
      return ingest(batch);
    };
    store.ingestMany = () => {
      throw new Error('disk full');
    };
    const results = await Promise.allSettled([
      ing.export(otlpProtobufRequest([{}]), 'protobuf', 'test'),
      ing.export(otlpProtobufRequest([{}, {}, {}]), 'protobuf', 'test'),
      ing.export(otlpProtobufRequest([{}, {}]), 'protobuf', 'test'),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    const failure = (results[1] as PromiseRejectedResult).reason as TraceStoreError;
    assert.equal(failure.code, 'STORAGE_FAILED');
    assert.equal(failure.status, 503);
    assert.equal(store.spanCount(), 3);
    store.close();
  });

  it('answers each request of a group only once its spans are committed (read from another connection)', async (t) => {
    const dir = tempDir(t);
    const store = new SpanStore({ dataDir: dir });
    const reader = openDatabase(join(dir, 'traces.db'));
    t.after(() => {
      reader.close();
      store.close();
    });
    const stored = reader.prepare('SELECT count(*) FROM spans WHERE trace_id = ?', { rows: 'first' });
    const ing = ingester(store);
    const requests = [traceRequest(3), traceRequest(5), traceRequest(2)];
    const seen: number[] = [];
    const pending = requests.map((r) =>
      ing.export(r.body, 'protobuf', 'test').then((outcome) => {
        // At the acknowledgement the spans are durable: another connection sees them.
        seen.push(Number(stored.get(Buffer.from(r.traceId, 'hex'))));
        return outcome.stored;
      }),
    );
    // Not before: nothing of the group is visible until its commit.
    assert.equal(reader.prepare('SELECT count(*) FROM spans', { rows: 'first' }).get(), 0);
    assert.deepEqual(await Promise.all(pending), [3, 5, 2]);
    assert.deepEqual(seen, [3, 5, 2]);
  });

  it('a group whose commit fails stores none of its requests and answers each 503', async () => {
    const store = new SpanStore({ dataDir: ':memory:' });
    const ing = ingester(store);
    failWrites(store, () => true);
    const results = await Promise.allSettled(
      [traceRequest(2), traceRequest(3), traceRequest(4)].map((r) => ing.export(r.body, 'protobuf', 'test')),
    );
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      const error = (r as PromiseRejectedResult).reason as TraceStoreError;
      assert.deepEqual([error.status, error.code], [503, 'STORAGE_FULL']);
    }
    assert.deepEqual(tableCounts(store), { spans: 0, counted: 0, calls: 0 });
    store.close();
  });

  it('rolls back the whole group when one request fails in it: the others are then stored once, alone', async () => {
    const store = new SpanStore({ dataDir: ':memory:' });
    const ing = ingester(store);
    // The third request fails after the first two were written in the group's transaction.
    failWrites(store, (batch) => batch.spans.length === 4);
    const requests = [traceRequest(2), traceRequest(3), traceRequest(4)];
    const results = await Promise.allSettled(requests.map((r) => ing.export(r.body, 'protobuf', 'test')));
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'fulfilled', 'rejected'],
    );
    assert.equal(((results[2] as PromiseRejectedResult).reason as TraceStoreError).status, 503);
    // Stored once: the rolled-back attempt left no counts behind (2 + 3 spans, 1 + 2 calls gateway → api).
    assert.deepEqual(tableCounts(store), { spans: 5, counted: 5, calls: 3 });
    assert.equal(store.getTrace(Buffer.from(requests[2]!.traceId, 'hex')), null);
    // Resources and operations first written by the rolled-back attempt were written again.
    assert.deepEqual(store.services(), ['api', 'gateway']);
    store.close();
  });
});
