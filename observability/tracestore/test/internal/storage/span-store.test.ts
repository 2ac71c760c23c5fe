import assert from 'node:assert/strict';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeExportRequest } from '../../../src/internal/otlp/ingest-batch.js';
import { defaultSpanLimits } from '../../../src/internal/otlp/validate-span.js';
import { matchTags } from '../../../src/internal/query/tag-match.js';
import { SpanStore, type TraceQuery } from '../../../src/internal/storage/span-store.js';
import { hexId, otlpProtobufRequest, type TestSpan } from '../../support/otlp-request.js';
import { tempDir } from '../../support/temp-dir.js';

const t0 = 1_795_000_000_000_000_000n;
const ms = 1_000_000n;

function batch(spans: TestSpan[]) {
  return decodeExportRequest(otlpProtobufRequest(spans), defaultSpanLimits);
}

function find(store: SpanStore, query: Partial<TraceQuery>): string[] {
  return store
    .findTraceIds(
      { startMinNs: t0 - 1000n * ms, startMaxNs: t0 + 1000n * ms, limit: 100, ...query },
      matchTags,
    )
    .map((id) => id.toString('hex'));
}

describe('SpanStore', () => {
  it('joins late spans to their trace and reads the trace back in start order', () => {
    const store = new SpanStore({ dataDir: ':memory:' });
    const traceId = hexId(16);
    const root = hexId(8);
    store.ingest(batch([{ traceId, spanId: root, startNs: t0, endNs: t0 + 10n * ms, service: 'gateway' }]));
    store.ingest(
      batch([{ traceId, parentSpanId: root, startNs: t0 + ms, endNs: t0 + 5n * ms, service: 'api' }]),
    );
    const trace = store.getTrace(Buffer.from(traceId, 'hex'));
    assert.deepEqual(
      trace?.spans.map((s) => [s.service, s.parentSpanId?.toString('hex') ?? null]),
      [
        ['gateway', null],
        ['api', root],
      ],
    );
    assert.equal(trace?.resources.size, 2);
    assert.equal(store.getTrace(Buffer.from(hexId(16), 'hex')), null);
    store.close();
  });

  it('finds traces by service, operation, window, duration and tags, most recent first', () => {
    const store = new SpanStore({ dataDir: ':memory:' });
    const ids = Array.from({ length: 6 }, () => hexId(16));
    store.ingest(
      batch([
        {
          traceId: ids[0],
          service: 'api',
          name: 'chat',
          startNs: t0,
          endNs: t0 + 50n * ms,
          attributes: { 'http.response.status_code': 200 },
        },
        {
          traceId: ids[1],
          service: 'api',
          name: 'chat',
          startNs: t0 + 1n * ms,
          endNs: t0 + 900n * ms,
          attributes: { 'gen_ai.request.model': 'big' },
        },
        {
          traceId: ids[2],
          service: 'api',
          name: 'models',
          startNs: t0 + 2n * ms,
          endNs: t0 + 3n * ms,
          statusCode: 2,
          attributes: { 'http.response.status_code': 503 },
        },
        {
          traceId: ids[3],
          service: 'router',
          name: 'Route',
          startNs: t0 + 3n * ms,
          endNs: t0 + 4n * ms,
          attributes: { request_id: 'req-42', tenant: 'acme' },
        },
        { traceId: ids[4], service: 'api', name: 'chat', startNs: t0 - 5000n * ms, endNs: t0 - 4000n * ms },
        {
          traceId: ids[5],
          service: 'api',
          name: 'chat',
          startNs: t0 + 4n * ms,
          endNs: t0 + 5n * ms,
          attributes: { cached: true },
        },
      ]),
    );
    assert.deepEqual(find(store, { service: 'api' }), [ids[5], ids[2], ids[1], ids[0]]);
    assert.deepEqual(find(store, { service: 'api', operation: 'chat' }), [ids[5], ids[1], ids[0]]);
    assert.deepEqual(find(store, { service: 'api', durationMinNs: 40n * ms }), [ids[1], ids[0]]);
    assert.deepEqual(find(store, { service: 'api', durationMinNs: 40n * ms, durationMaxNs: 100n * ms }), [
      ids[0],
    ]);
    assert.deepEqual(find(store, { service: 'api', tags: { 'http.status_code': '503' } }), [ids[2]]);
    assert.deepEqual(find(store, { service: 'api', tags: { error: 'true' } }), [ids[2]]);
    assert.deepEqual(find(store, { tags: { 'gen_ai.request.model': 'big' } }), [ids[1]]);
    assert.deepEqual(find(store, { tags: { request_id: 'req-42' } }), [ids[3]]);
    assert.deepEqual(find(store, { service: 'router', tags: { tenant: 'acme', 'span.kind': 'server' } }), [
      ids[3],
    ]);
    assert.deepEqual(find(store, { service: 'api', tags: { cached: 'true' } }), [ids[5]]);
    assert.deepEqual(find(store, { service: 'api', tags: { 'service.name': 'api' }, limit: 2 }), [
      ids[5],
      ids[2],
    ]);
    assert.deepEqual(find(store, { service: 'api', tags: { tenant: 'acme' } }), []);
    assert.deepEqual(store.services(), ['api', 'router']);
    assert.deepEqual(store.operations('api'), [
      { name: 'chat', kind: 2 },
      { name: 'models', kind: 2 },
    ]);
    store.close();
  });

  it('stops a search after examining maxSearchScan candidate spans', () => {
    const store = new SpanStore({ dataDir: ':memory:', maxSearchScan: 3 });
    const ids = Array.from({ length: 5 }, () => hexId(16));
    store.ingest(batch(ids.map((traceId, i) => ({ traceId, service: 'api', startNs: t0 + BigInt(i) * ms }))));
    assert.deepEqual(find(store, { service: 'api' }), [ids[4], ids[3], ids[2]]);
    assert.deepEqual(find(store, { service: 'api', tags: { absent: 'x' } }), []);
    store.close();
  });

  it('derives service dependencies from cross-service parent/child pairs', () => {
    const store = new SpanStore({ dataDir: ':memory:' });
    for (let i = 0; i < 3; i++) {
      const traceId = hexId(16);
      const gw = hexId(8);
      const api = hexId(8);
      store.ingest(
        batch([
          { traceId, spanId: gw, service: 'gateway', startNs: t0 },
          { traceId, spanId: api, parentSpanId: gw, service: 'api', startNs: t0 },
          { traceId, parentSpanId: api, service: 'api', name: 'db', startNs: t0 },
          { traceId, parentSpanId: api, service: 'router', startNs: t0 },
        ]),
      );
    }
    assert.deepEqual(store.dependencies(t0 - ms, t0 + ms), [
      { parent: 'api', child: 'router', callCount: 3 },
      { parent: 'gateway', child: 'api', callCount: 3 },
    ]);
    assert.deepEqual(store.dependencies(t0 + ms, t0 + 2n * ms), []);
    store.close();
  });

  it('stores a batch wholly or not at all', () => {
    const store = new SpanStore({ dataDir: ':memory:' });
    const b = batch([{}, {}, {}]);
    b.spans[2]!.resourceIndex = 7; // no such resource: the third insert fails
    assert.throws(() => store.ingest(b));
    assert.equal(store.spanCount(), 0);
    store.close();
  });

  it('deletes spans past the age limit and the oldest spans past the size limit', (t) => {
    const now = Number(t0 / ms);
    const store = new SpanStore({
      dataDir: tempDir(t),
      retention: { maxAgeMs: 60_000, maxBytes: 1024 * 1024 },
    });
    const old = hexId(16);
    store.ingest(batch([{ traceId: old, startNs: t0 - 120_000n * ms }, { startNs: t0 - 1000n * ms }]));
    assert.equal(store.enforceRetention(now), 1);
    assert.equal(store.getTrace(Buffer.from(old, 'hex')), null);
    const filler = 'x'.repeat(2000);
    let last = '';
    for (let i = 0; i < 20; i++) {
      last = hexId(16);
      store.ingest(
        batch(Array.from({ length: 50 }, () => ({ traceId: last, startNs: t0, attributes: { filler } }))),
      );
    }
    assert.ok(store.usedBytes() > 1024 * 1024);
    assert.ok(store.enforceRetention(now) > 0);
    assert.ok(store.usedBytes() <= 1024 * 1024);
    assert.equal(store.getTrace(Buffer.from(last, 'hex'))?.spans.length, 50);
    store.close();
  });

  it('caps the spans stored per trace, counts the rest, and says so when the trace is read', () => {
    const store = new SpanStore({ dataDir: ':memory:', maxSpansPerTrace: 5 });
    const big = hexId(16);
    const first = batch(Array.from({ length: 3 }, () => ({ traceId: big })));
    assert.equal(store.ingest(first).stored.length, 3);
    const second = store.ingest(
      batch([...Array.from({ length: 4 }, () => ({ traceId: big })), { traceId: hexId(16) }]),
    );
    assert.equal(second.stored.length, 3, 'two spans of the big trace fit, and the other trace');
    assert.equal(second.dropped, 2);
    assert.deepEqual(
      second.droppedTraceIds.map((id) => id.toString('hex')),
      [big],
    );
    // A retry of a stored span is a duplicate, not a drop, even when its trace is full.
    const retry = store.ingest(first);
    assert.deepEqual([retry.stored.length, retry.duplicates, retry.dropped], [0, 3, 0]);
    const trace = store.getTrace(Buffer.from(big, 'hex'))!;
    assert.equal(trace.spans.length, 5);
    assert.equal(trace.droppedSpans, 2);
    assert.equal(trace.warnings.length, 1);
    assert.match(trace.warnings[0]!, /2 spans were dropped, over the limit of 5 spans per trace/);
    assert.equal(store.spanCount(), 6);
    store.close();
  });

  it('counts a small trace from its index and keeps a counts row from 256 spans, with the same answers', () => {
    const store = new SpanStore({ dataDir: ':memory:', maxSpansPerTrace: 300 });
    const rows = () => store.db.prepare('SELECT count(*) FROM trace_counts', { rows: 'first' }).get();
    const traceId = hexId(16);
    const id = Buffer.from(traceId, 'hex');
    for (let i = 0; i < 5; i++) store.ingest(batch(Array.from({ length: 51 }, () => ({ traceId }))));
    assert.equal(rows(), 0, '255 spans: no row');
    const cut = store.getTrace(id, 10)!;
    assert.deepEqual([cut.spans.length, cut.storedSpans, cut.droppedSpans], [10, 255, 0]);
    store.ingest(batch([{ traceId }]));
    assert.equal(rows(), 1, 'the 256th span makes the row');
    const result = store.ingest(batch(Array.from({ length: 50 }, () => ({ traceId }))));
    assert.deepEqual([result.stored.length, result.dropped], [44, 6]);
    const full = store.getTrace(id, 10)!;
    assert.deepEqual([full.spans.length, full.storedSpans, full.droppedSpans], [10, 300, 6]);
    store.close();
  });

  it('keeps the counts row of a small trace written by a release that kept one for every trace', () => {
    const store = new SpanStore({ dataDir: ':memory:', maxSpansPerTrace: 5 });
    const traceId = hexId(16);
    const id = Buffer.from(traceId, 'hex');
    store.ingest(batch(Array.from({ length: 2 }, () => ({ traceId }))));
    store.db.prepare('INSERT INTO trace_counts (trace_id, spans, dropped) VALUES (?, 2, 0)').run(id);
    assert.equal(store.ingest(batch(Array.from({ length: 2 }, () => ({ traceId })))).dropped, 0);
    const row = store.db.prepare('SELECT spans, dropped FROM trace_counts WHERE trace_id = ?').get(id);
    assert.deepEqual({ ...(row as object) }, { spans: 4, dropped: 0 });
    assert.equal(store.ingest(batch(Array.from({ length: 3 }, () => ({ traceId })))).dropped, 2);
    assert.equal(store.getTrace(id)?.droppedSpans, 2);
    store.close();
  });

  it('keeps per-trace counts in step with retention, so a deleted trace can be stored again', (t) => {
    const now = Number(t0 / ms);
    const store = new SpanStore({
      dataDir: tempDir(t),
      maxSpansPerTrace: 3,
      retention: { maxAgeMs: 60_000 },
    });
    const traceId = hexId(16);
    store.ingest(batch(Array.from({ length: 4 }, () => ({ traceId, startNs: t0 - 120_000n * ms }))));
    assert.equal(store.getTrace(Buffer.from(traceId, 'hex'))?.droppedSpans, 1);
    assert.equal(store.enforceRetention(now), 3);
    assert.equal(store.db.prepare('SELECT count(*) FROM trace_counts', { rows: 'first' }).get(), 0);
    assert.equal(store.ingest(batch(Array.from({ length: 3 }, () => ({ traceId, startNs: t0 })))).dropped, 0);
    const again = store.getTrace(Buffer.from(traceId, 'hex'))!;
    assert.deepEqual([again.spans.length, again.droppedSpans, again.warnings], [3, 0, []]);
    store.close();
  });

  it('opens a world-readable data directory and database and leaves them 0700 and 0600', (t) => {
    const dir = tempDir(t);
    const db = join(dir, 'traces.db');
    new SpanStore({ dataDir: dir }).close();
    assert.equal(statSync(db).mode & 0o777, 0o600, 'a new database is born 0600');
    chmodSync(dir, 0o755);
    chmodSync(db, 0o644);
    writeFileSync(`${db}-shm`, '');
    chmodSync(`${db}-shm`, 0o644);
    const store = new SpanStore({ dataDir: dir });
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    for (const f of [db, `${db}-wal`, `${db}-shm`]) assert.equal(statSync(f).mode & 0o777, 0o600, f);
    store.close();
  });

  it('reads and extends on one SQLite driver what the other wrote', (t) => {
    const dir = tempDir(t);
    const traceId = hexId(16);
    const written = new SpanStore({ dataDir: dir, driver: 'better-sqlite3' });
    written.ingest(batch([{ traceId, startNs: t0, service: 'gateway', name: 'GET /a' }]));
    written.close();
    const read = new SpanStore({ dataDir: dir, driver: 'node:sqlite' });
    assert.equal(read.db.driver, 'node:sqlite');
    read.ingest(batch([{ traceId, startNs: t0 + ms, service: 'api', name: 'GET /b' }]));
    const trace = read.getTrace(Buffer.from(traceId, 'hex'))!;
    assert.deepEqual(
      trace.spans.map((s) => [s.service, s.startNs, Buffer.isBuffer(s.data)]),
      [
        ['gateway', t0, true],
        ['api', t0 + ms, true],
      ],
    );
    assert.deepEqual(read.operations('api'), [{ name: 'GET /b', kind: 2 }]);
    assert.deepEqual(find(read, { service: 'gateway' }), [traceId]);
    read.close();
    const back = new SpanStore({ dataDir: dir, driver: 'better-sqlite3' });
    assert.equal(back.spanCount(), 2);
    back.close();
  });

  it('counts the spans of traces stored before the count table existed, once, when opened', (t) => {
    const dir = tempDir(t);
    const traceId = hexId(16);
    const before = new SpanStore({ dataDir: dir });
    before.ingest(batch(Array.from({ length: 4 }, () => ({ traceId }))));
    before.db.exec('DELETE FROM trace_counts; PRAGMA user_version = 0;');
    before.close();
    const after = new SpanStore({ dataDir: dir, maxSpansPerTrace: 5 });
    assert.equal(after.ingest(batch(Array.from({ length: 3 }, () => ({ traceId })))).dropped, 2);
    assert.equal(after.getTrace(Buffer.from(traceId, 'hex'))?.spans.length, 5);
    after.close();
  });

  it('deletes whole traces, oldest first, when over the size budget', (t) => {
    const now = Number(t0 / ms);
    const store = new SpanStore({ dataDir: tempDir(t), retention: { maxBytes: 512 * 1024 } });
    const filler = 'x'.repeat(2000);
    const traces: string[] = [];
    for (let i = 0; i < 30; i++) {
      const traceId = hexId(16);
      traces.push(traceId);
      // Each trace arrives in two halves, the second after the next trace's first half: deleting the oldest
      // ingested spans alone would cut traces in two.
      store.ingest(
        batch(Array.from({ length: 10 }, () => ({ traceId, startNs: t0, attributes: { filler } }))),
      );
      if (i > 0) {
        const previous = traces[i - 1]!;
        store.ingest(
          batch(
            Array.from({ length: 10 }, () => ({ traceId: previous, startNs: t0, attributes: { filler } })),
          ),
        );
      }
    }
    assert.ok(store.overBudget());
    assert.ok(store.enforceRetention(now) > 0);
    assert.ok(!store.overBudget());
    const sizes = traces.map((id) => store.getTrace(Buffer.from(id, 'hex'))?.spans.length ?? 0);
    assert.ok(
      sizes.every((n) => n === 0 || n === 20 || n === 10),
      `sizes ${sizes}`,
    );
    assert.equal(sizes.at(-1), 10, 'the newest trace (one half so far) is kept');
    const firstKept = sizes.findIndex((n) => n > 0);
    assert.ok(firstKept > 0, 'the oldest traces were deleted');
    assert.ok(
      sizes.slice(firstKept).every((n) => n > 0),
      'oldest first: nothing newer was deleted',
    );
    assert.ok(
      sizes.slice(firstKept, -1).every((n) => n === 20),
      'no kept trace lost a part',
    );
    store.close();
  });

  it('keeps what it stored across a reopen', (t) => {
    const dir = tempDir(t);
    const traceId = hexId(16);
    const first = new SpanStore({ dataDir: dir, synchronous: 'NORMAL' });
    first.ingest(batch([{ traceId }, { traceId }]));
    first.close();
    const second = new SpanStore({ dataDir: dir });
    assert.equal(second.getTrace(Buffer.from(traceId, 'hex'))?.spans.length, 2);
    second.close();
  });
});
