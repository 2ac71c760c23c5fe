// The span store: one SQLite database (WAL) holding resources, scopes and spans. Spans are kept as the
// OTLP bytes that arrived plus the columns that queries filter on. Each export request is written in one
// transaction, so a request is either wholly stored or not at all, and the acknowledgement is sent only
// after the commit: with WAL the committed transaction is in the log file before `commit` returns, so it
// survives the process being killed; with synchronous=FULL (the default) the log is also fsynced at each
// commit, so it survives power loss too. synchronous=NORMAL keeps the first guarantee only.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ErrorLog } from '@opsight/http-guard';
import { ensurePrivateDatabase, ensurePrivateDir } from '@opsight/private-files';
import {
  openDatabase,
  type RunResult,
  type SqliteDatabase,
  type SqliteDriverName,
  type SqliteStatement,
  type SqlValue,
} from '@opsight/sqlite';
import type { IngestBatch, IngestSpan } from '../otlp/ingest-batch.js';
import { DependencyHours } from './dependency-hours.js';
import { createSchema } from './schema.js';
import { rowToSpan, type SpanRow, spanColumns, TraceReader } from './trace-reader.js';
import { WalCheckpointer } from './wal-checkpointer.js';

export interface RetentionOptions {
  /** Spans that started longer ago than this are deleted. @default 604800000 (7 days) */
  maxAgeMs: number;
  /** When the live data exceeds this many bytes, the oldest spans are deleted. @default 2147483648 (2 GiB) */
  maxBytes: number;
}

export interface SpanStoreOptions {
  /** Directory holding `traces.db` and its WAL; created if missing. Use ':memory:' for a throwaway store. */
  dataDir: string;
  /** SQLite synchronous mode: FULL survives power loss, NORMAL survives process crashes. @default 'FULL' */
  synchronous?: 'FULL' | 'NORMAL';
  /** Retention limits. @default { maxAgeMs: 7 days, maxBytes: 2 GiB } */
  retention?: Partial<RetentionOptions>;
  /**
   * Most candidate spans one search examines before it answers with what it found, which bounds the time
   * of a search whose filters match little in a wide window. @default 500000
   */
  maxSearchScan?: number;
  /**
   * Most spans stored per trace, like Jaeger's and Tempo's per-trace limits: spans of a trace beyond this are
   * dropped at ingest and counted, and the trace says so when read. @default 10000
   */
  maxSpansPerTrace?: number;
  /** The SQLite driver the database is opened with. @default DEFAULT_SQLITE_DRIVER of @opsight/sqlite */
  driver?: SqliteDriverName;
  /**
   * Where the WAL is checkpointed: by SQLite inside the commit that crosses its threshold (`inline`), or on a
   * thread of its own with its own connection (`thread`, see WalCheckpointer). The thread measured slower
   * at 1,000,000 spans (more CPU per span; bench/tracestore), hence the default. A ':memory:' store has no
   * WAL. @default 'inline'
   */
  checkpoints?: 'thread' | 'inline';
  /** With `checkpoints: 'thread'`: spans committed between two checkpoints. @default 20000 */
  checkpointEverySpans?: number;
  /** Where a failed background checkpoint is reported. @default one JSON line on stderr */
  logError?: ErrorLog;
}

export interface StoredSpan {
  traceId: Buffer;
  spanId: Buffer;
  parentSpanId: Buffer | null;
  service: string;
  name: string;
  kind: number;
  startNs: bigint;
  durationNs: bigint;
  statusCode: number;
  resourceId: number;
  scopeId: number;
  /** Encoded OTLP `Span`. */
  data: Buffer;
}

export interface StoredResource {
  id: number;
  service: string;
  /** Encoded OTLP `Resource`. */
  data: Buffer;
  schemaUrl: string;
}

export interface StoredScope {
  id: number;
  /** Encoded OTLP `InstrumentationScope`. */
  data: Buffer;
  schemaUrl: string;
}

export interface StoredTrace {
  traceId: Buffer;
  spans: StoredSpan[];
  /** Spans of this trace stored and readable (at most `maxSpansPerTrace`); more than `spans` when read with a limit. */
  storedSpans: number;
  /** Spans of this trace dropped at ingest because the trace was at the per-trace limit. */
  droppedSpans: number;
  /** What a reader must know about this trace (spans dropped), as Jaeger's trace `warnings`. */
  warnings: string[];
  resources: Map<number, StoredResource>;
  scopes: Map<number, StoredScope>;
}

export interface TraceQuery {
  service?: string;
  operation?: string;
  /** Span start window, inclusive, in Unix nanoseconds. */
  startMinNs: bigint;
  startMaxNs: bigint;
  durationMinNs?: bigint;
  durationMaxNs?: bigint;
  /** Attribute filters; every one must match on the same span (span or resource attributes). */
  tags?: Record<string, string>;
  /** Most traces returned. */
  limit: number;
}

export interface Dependency {
  parent: string;
  child: string;
  callCount: number;
}

export interface IngestResult {
  /** Spans newly stored by this batch (duplicates of stored spans are not counted). */
  stored: IngestSpan[];
  duplicates: number;
  /** Spans not stored because their trace already held `maxSpansPerTrace` spans. */
  dropped: number;
  /** The traces those spans belong to (distinct). */
  droppedTraceIds: Buffer[];
}

/** Matches the residual tag filters that have no column; given the span row, decides whether it matches. */
export type TagMatcher = (
  span: StoredSpan,
  resource: StoredResource,
  tags: Record<string, string>,
) => boolean;

const indexedTags: Record<string, { column: string; numeric?: boolean }> = {
  'http.status_code': { column: 'http_status', numeric: true },
  'http.response.status_code': { column: 'http_status', numeric: true },
  'gen_ai.request.model': { column: 'model_name' },
  model_name: { column: 'model_name' },
  request_id: { column: 'request_id' },
};

interface TraceCount {
  traceId: Buffer;
  spans: number;
  dropped: number;
  changed: boolean;
  /** Whether the trace has its row in `trace_counts`. */
  kept: boolean;
}

/**
 * Spans from which a trace's counts are kept in `trace_counts` (always, once it has dropped spans). A
 * smaller trace is counted from the trace index (`spans_by_trace`), whose leaf pages its insert writes
 * anyway: a row per trace would cost one more random page per trace and commit.
 */
const countedFrom = 256;

export class SpanStore {
  readonly db: SqliteDatabase;
  /** The database file, or ':memory:'. */
  readonly file: string;
  readonly retention: RetentionOptions;
  readonly maxSearchScan: number;
  readonly maxSpansPerTrace: number;
  private readonly resourceIds = new Map<string, number>();
  private readonly scopeIds = new Map<string, number>();
  private readonly knownOperations = new Set<string>();
  private readonly dependencyHours: DependencyHours;
  /** Reads traces, resources and scopes (as the analysis threads do on their own connections). */
  private readonly reader: TraceReader;
  private readonly stmts;
  private readonly ingestTx: (batch: IngestBatch) => IngestResult;
  private readonly ingestManyTx: (batches: IngestBatch[]) => IngestResult[];
  /** Checkpoints the WAL off the ingest thread; null for ':memory:' and `checkpoints: 'inline'`. */
  readonly checkpointer: WalCheckpointer | null = null;

  constructor(options: SpanStoreOptions) {
    let file = ':memory:';
    if (options.dataDir !== ':memory:') {
      file = join(options.dataDir, 'traces.db');
      // Checked on every open: an older release or a copy may have left the data readable by others.
      ensurePrivateDir(options.dataDir, { service: 'tracestore' });
      ensurePrivateDatabase(file, { service: 'tracestore' });
    }
    this.retention = {
      maxAgeMs: options.retention?.maxAgeMs ?? 7 * 24 * 3600 * 1000,
      maxBytes: options.retention?.maxBytes ?? 2 * 1024 ** 3,
    };
    this.maxSearchScan = options.maxSearchScan ?? 500_000;
    this.maxSpansPerTrace = options.maxSpansPerTrace ?? 10_000;
    const db = openDatabase(file, options.driver ? { driver: options.driver } : {});
    this.db = db;
    this.file = file;
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    // Checkpoint every ~40 MB of WAL instead of ~4 MB: index pages that many commits touch are then copied
    // back to the database once per checkpoint rather than many times (ingest is ~50% faster). With
    // `checkpoints: 'thread'` the WalCheckpointer turns them off and checkpoints on its own thread.
    db.pragma('wal_autocheckpoint = 10000');
    db.pragma('journal_size_limit = 67108864');
    db.pragma('cache_size = -65536');
    // Retention's scratch table lives in memory: it must work on a full disk, when it is most needed.
    db.pragma('temp_store = MEMORY');
    createSchema(db);
    db.exec('CREATE TEMP TABLE IF NOT EXISTS doomed_traces (trace_id BLOB PRIMARY KEY) WITHOUT ROWID');
    this.dependencyHours = new DependencyHours(db);
    this.reader = new TraceReader(db, this.maxSpansPerTrace);
    this.stmts = {
      findResource: db.prepare('SELECT id FROM resources WHERE hash = ?', { rows: 'first' }),
      insertResource: db.prepare(
        'INSERT INTO resources (hash, service, data, schema_url) VALUES (?, ?, ?, ?)',
      ),
      findScope: db.prepare('SELECT id FROM scopes WHERE hash = ?', { rows: 'first' }),
      insertScope: db.prepare('INSERT INTO scopes (hash, data, schema_url) VALUES (?, ?, ?)'),
      insertSpan: db.prepare(
        `INSERT OR IGNORE INTO spans (trace_id, span_id, parent_span_id, service, name, kind, start_ns, duration_ns,
           status_code, http_status, model_name, request_id, resource_id, scope_id, data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertOperation: db.prepare('INSERT OR IGNORE INTO operations (service, name, kind) VALUES (?, ?, ?)'),
      traceCount: db.prepare('SELECT spans, dropped FROM trace_counts WHERE trace_id = ?'),
      countTraceSpans: db.prepare('SELECT count(*) FROM spans WHERE trace_id = ?', { rows: 'first' }),
      upsertTraceCount: db.prepare(
        `INSERT INTO trace_counts (trace_id, spans, dropped) VALUES (?, ?, ?)
         ON CONFLICT (trace_id) DO UPDATE SET spans = excluded.spans, dropped = excluded.dropped`,
      ),
      spanExists: db.prepare('SELECT 1 FROM spans WHERE trace_id = ? AND span_id = ?', { rows: 'first' }),
      services: db.prepare('SELECT DISTINCT service FROM operations ORDER BY service', { rows: 'first' }),
      operations: db.prepare('SELECT name, kind FROM operations WHERE service = ? ORDER BY name, kind'),
      deleteOlder: db.prepare(
        'DELETE FROM spans WHERE id IN (SELECT id FROM spans WHERE start_ns < ? ORDER BY start_ns LIMIT ?)',
      ),
      markOldestTraces: db.prepare(
        `INSERT OR IGNORE INTO temp.doomed_traces (trace_id)
           SELECT trace_id FROM (SELECT trace_id FROM spans ORDER BY id LIMIT ?)`,
      ),
      doomedRange: db.prepare(
        `SELECT min(start_ns) AS min, max(start_ns) AS max FROM spans
           WHERE trace_id IN (SELECT trace_id FROM temp.doomed_traces)`,
        { bigInts: true },
      ),
      deleteDoomed: db.prepare(
        'DELETE FROM spans WHERE trace_id IN (SELECT trace_id FROM temp.doomed_traces)',
      ),
      clearDoomed: db.prepare('DELETE FROM temp.doomed_traces'),
      spanCount: db.prepare('SELECT count(*) FROM spans', { rows: 'first' }),
      oldestStart: db.prepare('SELECT min(start_ns) FROM spans', { rows: 'first', bigInts: true }),
    };
    this.ingestTx = db.transaction((batch: IngestBatch) => this.write(batch));
    this.ingestManyTx = db.transaction((batches: IngestBatch[]) => batches.map((b) => this.write(b)));
    if (file !== ':memory:' && options.checkpoints === 'thread') {
      this.checkpointer = new WalCheckpointer(db, {
        file,
        driver: db.driver,
        synchronous: options.synchronous ?? 'FULL',
        ...(options.checkpointEverySpans ? { everySpans: options.checkpointEverySpans } : {}),
        logError: options.logError,
      });
    }
  }

  private idFor(
    cache: Map<string, number>,
    find: SqliteStatement,
    insert: (hash: Buffer) => RunResult,
    data: Buffer,
    schemaUrl: string,
  ): number {
    const hash = createHash('sha1').update(schemaUrl).update('\0').update(data).digest();
    const key = hash.toString('base64');
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const found = find.get(hash) as number | undefined;
    const id = found ?? Number(insert(hash).lastInsertRowid);
    if (cache.size > 10000) cache.clear();
    cache.set(key, id);
    return id;
  }

  private write(batch: IngestBatch): IngestResult {
    const { stmts } = this;
    const resourceIds = batch.resources.map((r) =>
      this.idFor(
        this.resourceIds,
        stmts.findResource,
        (hash) => stmts.insertResource.run(hash, r.serviceName, r.bytes, r.schemaUrl),
        r.bytes,
        r.schemaUrl,
      ),
    );
    const scopeIds = batch.scopes.map((s) =>
      this.idFor(
        this.scopeIds,
        stmts.findScope,
        (hash) => stmts.insertScope.run(hash, s.bytes, s.schemaUrl),
        s.bytes,
        s.schemaUrl,
      ),
    );
    const stored: IngestSpan[] = [];
    let duplicates = 0;
    let dropped = 0;
    // Each trace's counts are read once per batch and written back once (see countedFrom).
    const counts = new Map<string, TraceCount>();
    for (const span of batch.spans) {
      const key = span.traceId.toString('latin1');
      let count = counts.get(key);
      if (!count) {
        const row = stmts.traceCount.get(span.traceId) as { spans: number; dropped: number } | undefined;
        count = row
          ? { traceId: span.traceId, spans: row.spans, dropped: row.dropped, changed: false, kept: true }
          : {
              traceId: span.traceId,
              spans: stmts.countTraceSpans.get(span.traceId) as number,
              dropped: 0,
              changed: false,
              kept: false,
            };
        counts.set(key, count);
      }
      if (count.spans >= this.maxSpansPerTrace) {
        // A retry of a span already stored is a duplicate, not a drop.
        if (stmts.spanExists.get(span.traceId, span.spanId) !== undefined) duplicates++;
        else {
          dropped++;
          count.dropped++;
          count.changed = true;
        }
        continue;
      }
      const service = batch.resources[span.resourceIndex]!.serviceName;
      const info = stmts.insertSpan.run(
        span.traceId,
        span.spanId,
        span.parentSpanId,
        service,
        span.name,
        span.kind,
        span.startNs,
        span.endNs - span.startNs,
        span.statusCode,
        span.httpStatus,
        span.modelName,
        span.requestId,
        resourceIds[span.resourceIndex]!,
        scopeIds[span.scopeIndex]!,
        span.bytes,
      );
      if (info.changes === 0) {
        duplicates++;
        continue;
      }
      count.spans++;
      count.changed = true;
      stored.push(span);
      const opKey = `${service}\0${span.name}\0${span.kind}`;
      if (!this.knownOperations.has(opKey)) {
        stmts.insertOperation.run(service, span.name, span.kind);
        if (this.knownOperations.size > 100000) this.knownOperations.clear();
        this.knownOperations.add(opKey);
      }
    }
    if (stored.length > 0) {
      this.dependencyHours.added(
        stored.map((span) => ({ span, service: batch.resources[span.resourceIndex]!.serviceName })),
      );
    }
    const droppedTraceIds: Buffer[] = [];
    for (const count of counts.values()) {
      if (!count.changed) continue;
      if (count.kept || count.spans >= countedFrom || count.dropped > 0) {
        stmts.upsertTraceCount.run(count.traceId, count.spans, count.dropped);
      }
      if (count.spans >= this.maxSpansPerTrace && count.dropped > 0) droppedTraceIds.push(count.traceId);
    }
    return { stored, duplicates, dropped, droppedTraceIds };
  }

  /** Stores a batch in one transaction: all of it, or (on error) none of it. */
  ingest(batch: IngestBatch): IngestResult {
    if (batch.spans.length === 0) return { stored: [], duplicates: 0, dropped: 0, droppedTraceIds: [] };
    const result = this.rollingBack(() => this.ingestTx(batch));
    this.checkpointer?.committed(result.stored.length);
    return result;
  }

  /**
   * Stores several batches in one transaction (group commit: one WAL sync for all of them). Either all are
   * stored or none is; callers that must isolate a failing batch retry them one by one with `ingest`.
   */
  ingestMany(batches: IngestBatch[]): IngestResult[] {
    const results = this.rollingBack(() => this.ingestManyTx(batches));
    this.checkpointer?.committed(results.reduce((n, r) => n + r.stored.length, 0));
    return results;
  }

  /**
   * Runs a write transaction; when it fails (and rolled back), forgets the ids and operations cached while it
   * ran: they name rows that were never committed, and a later write must insert them again.
   */
  private rollingBack<T>(tx: () => T): T {
    try {
      return tx();
    } catch (error) {
      this.resourceIds.clear();
      this.scopeIds.clear();
      this.knownOperations.clear();
      throw error;
    }
  }

  /**
   * The stored spans of a trace (late spans included) in start-time order, at most `maxSpansPerTrace` of them
   * and at most `limit` (the first by start time), or null when none is stored.
   */
  getTrace(traceId: Buffer, limit = this.maxSpansPerTrace): StoredTrace | null {
    return this.reader.getTrace(traceId, limit);
  }

  /**
   * Trace ids with at least one span matching the query, most recent first. Tags with a column are matched
   * in SQL; others by `matchTags` on each candidate span.
   */
  findTraceIds(query: TraceQuery, matchTags: TagMatcher): Buffer[] {
    const where: string[] = ['start_ns BETWEEN ? AND ?'];
    const params: SqlValue[] = [query.startMinNs, query.startMaxNs];
    if (query.service) {
      where.push('service = ?');
      params.push(query.service);
    }
    if (query.operation) {
      where.push('name = ?');
      params.push(query.operation);
    }
    if (query.durationMinNs !== undefined) {
      where.push('duration_ns >= ?');
      params.push(query.durationMinNs);
    }
    if (query.durationMaxNs !== undefined) {
      where.push('duration_ns <= ?');
      params.push(query.durationMaxNs);
    }
    const residual: Record<string, string> = {};
    for (const [key, value] of Object.entries(query.tags ?? {})) {
      const indexed = indexedTags[key];
      if (key === 'error' && (value === 'true' || value === 'false')) {
        where.push(value === 'true' ? 'status_code = 2' : 'status_code != 2');
      } else if (indexed && (!indexed.numeric || /^\d+$/.test(value))) {
        where.push(`${indexed.column} = ?`);
        params.push(indexed.numeric ? Number(value) : value);
      } else {
        residual[key] = value;
      }
    }
    const hasResidual = Object.keys(residual).length > 0;
    const columns = hasResidual ? spanColumns : 'trace_id';
    const sql = `SELECT ${columns} FROM spans WHERE ${where.join(' AND ')} ORDER BY start_ns DESC`;
    const seen = new Set<string>();
    const ids: Buffer[] = [];
    const stmt = this.db.prepare(sql, { bigInts: true });
    let scanned = 0;
    for (const row of stmt.iterate(...params) as Iterable<SpanRow>) {
      if (++scanned > this.maxSearchScan) break;
      const key = row.trace_id.toString('hex');
      if (seen.has(key)) continue;
      if (hasResidual) {
        const span = rowToSpan(row);
        if (!matchTags(span, this.reader.resource(span.resourceId), residual)) continue;
      }
      seen.add(key);
      ids.push(row.trace_id);
      if (ids.length >= query.limit) break;
    }
    return ids;
  }

  /** Service names that have stored spans (kept after retention, like Jaeger's service index). */
  services(): string[] {
    return this.stmts.services.all() as string[];
  }

  /** Span names of a service with their span kinds. */
  operations(service: string): { name: string; kind: number }[] {
    const rows = this.stmts.operations.all(service) as { name: string; kind: number }[];
    return rows.map((r) => ({ name: r.name, kind: r.kind }));
  }

  /** Calls between services: a child span whose parent span belongs to another service, within the window. */
  dependencies(startNs: bigint, endNs: bigint): Dependency[] {
    return this.dependencyHours.count(startNs, endNs);
  }

  /** Number of stored spans. */
  spanCount(): number {
    return this.stmts.spanCount.get() as number;
  }

  /** Bytes used by live data (pages in use, not free pages). */
  usedBytes(): number {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  /** Whether the live data is over the size budget (`retention.maxBytes`). */
  overBudget(): boolean {
    return this.usedBytes() > this.retention.maxBytes;
  }

  /**
   * Deletes the traces of the `n` oldest ingested spans, every span of each (so no trace is left half
   * deleted), in one transaction; returns how many spans were deleted.
   */
  private deleteOldestTraces(n: number): number {
    const { stmts } = this;
    return this.db.transaction(() => {
      stmts.markOldestTraces.run(n);
      const range = stmts.doomedRange.get() as { min: bigint | null; max: bigint | null };
      const deleted = stmts.deleteDoomed.run().changes;
      if (range.min !== null && range.max !== null) this.dependencyHours.deletedTraces(range.min, range.max);
      stmts.clearDoomed.run();
      return deleted;
    })();
  }

  /**
   * Deletes spans beyond the age limit (by start time), then whole traces, oldest ingested first, while the
   * live data is over the size budget; in small transactions. Returns how many spans were deleted.
   */
  enforceRetention(nowMs = Date.now()): number {
    let deleted = 0;
    const cutoff = BigInt(nowMs - this.retention.maxAgeMs) * 1_000_000n;
    const oldest = this.stmts.oldestStart.get() as bigint | null;
    for (;;) {
      const n = this.stmts.deleteOlder.run(cutoff, 5000).changes;
      deleted += n;
      if (n < 5000) break;
    }
    if (deleted > 0 && oldest !== null) this.dependencyHours.deletedBefore(cutoff);
    for (let used = this.usedBytes(); used > this.retention.maxBytes; used = this.usedBytes()) {
      const count = this.spanCount();
      if (count === 0) break;
      // Delete about as many of the oldest spans as the excess holds, at the average span size, plus 10%.
      const excessSpans = ((used - this.retention.maxBytes) / (used / count)) * 1.1;
      const n = Math.min(count, Math.max(10, Math.ceil(excessSpans)));
      deleted += this.deleteOldestTraces(n);
    }
    if (deleted > 0) this.db.pragma('incremental_vacuum');
    return deleted;
  }

  close(): void {
    this.checkpointer?.close();
    if (this.db.open) this.db.close();
  }
}
