import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Registry } from 'prom-client';
import type { TraceStoreError } from '../../../src/internal/error-codes.js';
import { SpanMetrics } from '../../../src/internal/metrics/span-metrics.js';
import type { IngestBatch } from '../../../src/internal/otlp/ingest-batch.js';
import { TraceIngester } from '../../../src/internal/otlp/trace-ingester.js';
import { defaultSpanLimits } from '../../../src/internal/otlp/validate-span.js';
import { SpanStore } from '../../../src/internal/storage/span-store.js';
import { otlpProtobufRequest } from '../../support/otlp-request.js';

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
});
