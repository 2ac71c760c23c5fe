import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeExportRequest } from '../../../src/internal/otlp/ingest-batch.js';
import { defaultSpanLimits } from '../../../src/internal/otlp/validate-span.js';
import { hourNs } from '../../../src/internal/storage/dependency-hours.js';
import { SpanStore } from '../../../src/internal/storage/span-store.js';
import { hexId, otlpProtobufRequest } from '../../support/otlp-request.js';

const hour0 = 498_611n * hourNs; // an hour boundary in 2026
const now = hour0 + 10n * hourNs;

/** One call gateway → api, its child span starting at `startNs`. */
function call(store: SpanStore, startNs: bigint, child = 'api'): void {
  const traceId = hexId(16);
  const parent = hexId(8);
  const spans = [
    { traceId, spanId: parent, service: 'gateway', startNs },
    { traceId, parentSpanId: parent, service: child, startNs },
  ];
  store.ingest(decodeExportRequest(otlpProtobufRequest(spans), defaultSpanLimits));
}

function cachedHours(store: SpanStore): number {
  return store.db.prepare('SELECT count(*) FROM dependency_hours_done', { rows: 'first' }).get() as number;
}

describe('DependencyHours', () => {
  it('keeps the counts of settled hours and answers windows that cut hours in the middle', () => {
    const store = new SpanStore({ dataDir: ':memory:' });
    call(store, hour0 + 10n);
    call(store, hour0 + hourNs + 10n);
    call(store, hour0 + hourNs + hourNs / 2n, 'router');
    const all = [
      { parent: 'gateway', child: 'api', callCount: 2 },
      { parent: 'gateway', child: 'router', callCount: 1 },
    ];
    assert.deepEqual(store.dependencies(hour0, hour0 + 2n * hourNs - 1n, now), all);
    assert.equal(cachedHours(store), 2);
    assert.deepEqual(store.dependencies(hour0, hour0 + 2n * hourNs - 1n, now), all);
    assert.deepEqual(store.dependencies(hour0 + hourNs + 100n, hour0 + 3n * hourNs, now), [
      { parent: 'gateway', child: 'router', callCount: 1 },
    ]);
    store.close();
  });

  it('does not keep the counts of an hour that has not settled', () => {
    const store = new SpanStore({ dataDir: ':memory:' });
    call(store, hour0 + 10n);
    store.dependencies(hour0, hour0 + hourNs - 1n, hour0 + hourNs + 1n);
    assert.equal(cachedHours(store), 0);
    store.close();
  });

  it('recounts an hour when a late span arrives in it, and after retention deletes from it', () => {
    const store = new SpanStore({ dataDir: ':memory:', retention: { maxAgeMs: 1 } });
    call(store, hour0 + 10n);
    assert.equal(store.dependencies(hour0, hour0 + hourNs - 1n, now)[0]?.callCount, 1);
    call(store, hour0 + 20n);
    assert.equal(cachedHours(store), 0);
    assert.equal(store.dependencies(hour0, hour0 + hourNs - 1n, now)[0]?.callCount, 2);
    assert.equal(cachedHours(store), 1);
    store.enforceRetention(Number(now / 1_000_000n));
    assert.deepEqual(store.dependencies(hour0, hour0 + hourNs - 1n, now), []);
    store.close();
  });
});
