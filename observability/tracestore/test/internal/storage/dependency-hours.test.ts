import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeExportRequest } from '../../../src/internal/otlp/ingest-batch.js';
import { defaultSpanLimits } from '../../../src/internal/otlp/validate-span.js';
import { hourNs } from '../../../src/internal/storage/dependency-hours.js';
import { createSchema } from '../../../src/internal/storage/schema.js';
import { SpanStore } from '../../../src/internal/storage/span-store.js';
import { hexId, otlpProtobufRequest, type TestSpan } from '../../support/otlp-request.js';

const hour0 = 498_611n * hourNs; // an hour boundary in 2026
const minute = 60_000_000_000n;

function ingest(store: SpanStore, spans: TestSpan[]): void {
  store.ingest(decodeExportRequest(otlpProtobufRequest(spans), defaultSpanLimits));
}

/** The dependencies as a join over every stored span (what the table must answer). */
function scan(store: SpanStore, startNs: bigint, endNs: bigint) {
  const rows = store.db
    .prepare(
      `SELECT p.service AS parent, c.service AS child, count(*) AS callCount
       FROM spans c JOIN spans p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id
       WHERE c.start_ns BETWEEN ? AND ? AND c.parent_span_id IS NOT NULL AND p.service != c.service
       GROUP BY 1, 2 ORDER BY 1, 2`,
    )
    .all(startNs, endNs) as { parent: string; child: string; callCount: number }[];
  return rows.map((r) => ({ parent: r.parent, child: r.child, callCount: Number(r.callCount) }));
}

/** A gateway → api → router trace whose spans start `startNs`, 1 and 2 minutes later. */
function trace(startNs: bigint): TestSpan[] {
  const traceId = hexId(16);
  const [gw, api, router, db] = [hexId(8), hexId(8), hexId(8), hexId(8)];
  return [
    { traceId, spanId: gw, service: 'gateway', startNs },
    { traceId, spanId: api, parentSpanId: gw, service: 'api', startNs: startNs + minute },
    { traceId, spanId: db, parentSpanId: api, service: 'api', name: 'db', startNs: startNs + minute },
    { traceId, spanId: router, parentSpanId: api, service: 'router', startNs: startNs + 2n * minute },
  ];
}

/** Windows that cut hours at and between boundaries. */
const windows: [bigint, bigint][] = [
  [hour0, hour0 + 4n * hourNs - 1n],
  [hour0 + 30n * minute, hour0 + 2n * hourNs + 5n * minute],
  [hour0 + hourNs - 1n, hour0 + hourNs + 1n],
  [hour0 + 59n * minute, hour0 + 61n * minute],
  [hour0 - hourNs, hour0 + 10n * hourNs],
  [hour0 + 5n * minute, hour0 + 2n * hourNs + 55n * minute],
  [hour0 + 5n * minute, hour0 + 2n * hourNs + 31n * minute],
  [hour0 + 90n * minute + 1n, hour0 + 2n * hourNs + 31n * minute],
];

function assertSameAsScan(store: SpanStore): void {
  for (const [from, to] of windows) assert.deepEqual(store.dependencies(from, to), scan(store, from, to));
}

describe('DependencyHours', () => {
  it('answers as the join does, across hour boundaries, whatever order the spans arrive in', () => {
    const store = new SpanStore({ dataDir: ':memory:' });
    const starts = [
      hour0 + 10n,
      hour0 + 58n * minute,
      hour0 + 59n * minute,
      hour0 + 2n * hourNs + 30n * minute,
    ];
    // In one request; children first, one request per span; parents first, one request per span.
    ingest(store, trace(starts[0]!));
    for (const span of trace(starts[1]!).reverse()) ingest(store, [span]);
    for (const span of trace(starts[2]!)) ingest(store, [span]);
    ingest(store, trace(starts[3]!).reverse());
    const all = store.dependencies(hour0, hour0 + 4n * hourNs);
    assert.deepEqual(all, [
      { parent: 'api', child: 'router', callCount: 4 },
      { parent: 'gateway', child: 'api', callCount: 4 },
    ]);
    assertSameAsScan(store);
    // The table holds the calls by the hour of the child span: 58m + 2m, 59m + 1m and 59m + 2m are in the
    // next hour.
    const hours = store.db
      .prepare('SELECT hour - ? AS h, parent, child, calls FROM dependency_hours ORDER BY 1, 2, 3')
      .all(hour0 / hourNs) as { h: number; parent: string; child: string; calls: number }[];
    assert.deepEqual(
      hours.map((r) => `${r.h} ${r.parent}>${r.child} ${r.calls}`),
      [
        '0 api>router 1',
        '0 gateway>api 2',
        '1 api>router 2',
        '1 gateway>api 1',
        '2 api>router 1',
        '2 gateway>api 1',
      ],
    );
    store.close();
  });

  it('counts a retried (duplicate) span once and leaves a child whose parent never came out', () => {
    const store = new SpanStore({ dataDir: ':memory:' });
    const spans = trace(hour0 + 10n);
    ingest(store, spans);
    ingest(store, spans);
    ingest(store, [{ traceId: hexId(16), parentSpanId: hexId(8), service: 'api', startNs: hour0 + 20n }]);
    assert.deepEqual(store.dependencies(hour0, hour0 + hourNs - 1n), [
      { parent: 'api', child: 'router', callCount: 1 },
      { parent: 'gateway', child: 'api', callCount: 1 },
    ]);
    assertSameAsScan(store);
    store.close();
  });

  it('reads a partly covered hour from the table only when no span starts in the part left out', () => {
    const store = new SpanStore({ dataDir: ':memory:' });
    ingest(store, trace(hour0 + 10n * minute));
    ingest(store, trace(hour0 + 40n * minute));
    // "Now" in the middle of the hour, all spans before it: the table answers; a window ending before the
    // second trace falls back to the join and still answers only what lies inside it.
    assert.equal(store.dependencies(hour0 - 23n * hourNs, hour0 + 50n * minute)[0]?.callCount, 2);
    assert.equal(store.dependencies(hour0, hour0 + 30n * minute)[0]?.callCount, 1);
    assertSameAsScan(store);
    store.close();
  });

  it('answers as the join after retention by age and by size', () => {
    const store = new SpanStore({ dataDir: ':memory:', retention: { maxAgeMs: 3_600_000 } });
    for (let i = 0n; i < 12n; i++) ingest(store, trace(hour0 + i * 15n * minute));
    // Cut by the age limit: its gateway span is deleted, its api span (the child) stays.
    ingest(store, trace(hour0 + 89n * minute));
    assertSameAsScan(store);
    // Everything that started before hour0 + 1h30m is deleted: hour 1 loses half its spans.
    const deleted = store.enforceRetention(Number((hour0 + 2n * hourNs + 30n * minute) / 1_000_000n));
    assert.ok(deleted > 0);
    assertSameAsScan(store);
    assert.deepEqual(store.dependencies(hour0, hour0 + hourNs - 1n), []);
    // The size budget deletes the oldest traces whole.
    store.retention.maxBytes = store.usedBytes() / 2;
    assert.ok(store.enforceRetention(Number((hour0 + 2n * hourNs + 30n * minute) / 1_000_000n)) > 0);
    assertSameAsScan(store);
    const left = store.db.prepare('SELECT count(*) FROM dependency_orphans', { rows: 'first' }).get();
    assert.equal(left, 0);
    store.close();
  });

  it('fills the tables from the spans of a store written before they were maintained', () => {
    const store = new SpanStore({ dataDir: ':memory:' });
    ingest(store, trace(hour0 + 10n));
    ingest(store, trace(hour0 + hourNs + 10n).slice(1));
    const expected = store.dependencies(hour0, hour0 + 3n * hourNs);
    store.db.exec('DELETE FROM dependency_hours; DELETE FROM dependency_orphans; PRAGMA user_version = 1');
    createSchema(store.db);
    assert.deepEqual(store.dependencies(hour0, hour0 + 3n * hourNs), expected);
    assert.equal(store.db.prepare('SELECT count(*) FROM dependency_orphans', { rows: 'first' }).get(), 1);
    assert.equal(store.db.pragma('user_version', { simple: true }), 3);
    store.close();
  });
});
