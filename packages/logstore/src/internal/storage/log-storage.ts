// Embedded storage: one SQLite database (WAL) holding streams, entries and the trace_id index.
//
// - streams: one row per (tenant, label set), keyed by the label fingerprint; kept in memory too.
// - entries: WITHOUT ROWID table clustered by (stream, timestamp ns, line hash), so a stream's
//   entries in a time range are one sequential range scan, and an exact duplicate
//   (stream, timestamp, line) maps to the same key and is stored once (INSERT OR IGNORE).
// - trace_index: (1-minute bucket, trace_id hash → entry key), from the `trace_id` structured
//   metadata.
// A push is one transaction; it is committed to the WAL before the HTTP response, so an
// acknowledged push survives kill -9 of the process (synchronous=NORMAL). `sync: 'full'` also
// survives power loss, at a cost per push.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fingerprint, formatLabels, type Labels } from '../labels.js';
import { lineHash } from './line-hash.js';

/**
 * The trace index is partitioned by 1-minute buckets of entry time, then keyed by a hash of the
 * trace id: new entries land in the few newest buckets, so its inserts stay cache-friendly as the
 * store grows (a single random-keyed index slowed ingest several-fold at a million lines).
 */
const TRACE_BUCKET_NS = 60_000_000_000n;

/** Rows per multi-row INSERT: fewer statement steps per push. */
const ROWS_PER_INSERT = 64;

export interface StorageOptions {
  /** Directory for the database files; `:memory:` keeps everything in memory (tests). */
  dataDir: string;
  /**
   * Durability of a commit: `normal` survives a crash of the process (kill -9), `full` also survives
   * power loss (fsync per push).
   * @default 'normal'
   */
  sync?: 'normal' | 'full';
}

export interface StreamInfo {
  id: number;
  tenant: string;
  labels: Labels;
  /** Canonical label string, e.g. `{app="a", level="INFO"}`. */
  key: string;
  fingerprint: string;
  /** Oldest and newest entry timestamps (ns); 0n when the stream is empty. */
  minTs: bigint;
  maxTs: bigint;
}

export interface Entry {
  ts: bigint;
  line: string;
  /** Structured metadata, name → value. */
  metadata?: Labels;
}

export interface ScannedEntry extends Entry {
  stream: StreamInfo;
}

export interface ScanOptions {
  /** Inclusive start, exclusive end, in ns. */
  from: bigint;
  to: bigint;
  direction: 'forward' | 'backward';
  /** Substrings every line must contain (pushed down to SQLite as instr()). */
  contains?: string[];
}

export class LogStorage {
  readonly db: Database.Database;
  private readonly byTenant = new Map<string, Map<string, StreamInfo>>();
  private readonly byId = new Map<number, StreamInfo>();
  private readonly insertEntry: Database.Statement;
  private readonly insertTrace: Database.Statement;
  private readonly insertStream: Database.Statement;
  private readonly insertEntries: Database.Statement;
  private readonly insertTraces: Database.Statement;

  constructor(options: StorageOptions) {
    const file = options.dataDir === ':memory:' ? ':memory:' : join(options.dataDir, 'logs.sqlite');
    if (options.dataDir !== ':memory:') mkdirSync(options.dataDir, { recursive: true });
    this.db = new Database(file);
    this.db.pragma('page_size = 16384');
    this.db.pragma('auto_vacuum = INCREMENTAL');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.sync === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('cache_size = -65536');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS streams (
        id INTEGER PRIMARY KEY,
        tenant TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        labels TEXT NOT NULL,
        UNIQUE (tenant, fingerprint)
      );
      CREATE TABLE IF NOT EXISTS entries (
        stream_id INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        h INTEGER NOT NULL,
        line TEXT NOT NULL,
        meta TEXT,
        PRIMARY KEY (stream_id, ts, h)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS trace_index (
        bucket INTEGER NOT NULL,
        tkey INTEGER NOT NULL,
        stream_id INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        h INTEGER NOT NULL,
        PRIMARY KEY (bucket, tkey, stream_id, ts, h)
      ) WITHOUT ROWID;
    `);
    this.insertEntry = this.db.prepare(
      'INSERT OR IGNORE INTO entries (stream_id, ts, h, line, meta) VALUES (?, ?, ?, ?, ?)',
    );
    this.insertTrace = this.db.prepare(
      'INSERT OR IGNORE INTO trace_index (bucket, tkey, stream_id, ts, h) VALUES (?, ?, ?, ?, ?)',
    );
    this.insertEntries = this.db.prepare(
      `INSERT OR IGNORE INTO entries (stream_id, ts, h, line, meta) VALUES ${Array(ROWS_PER_INSERT).fill('(?, ?, ?, ?, ?)').join(', ')}`,
    );
    this.insertTraces = this.db.prepare(
      `INSERT OR IGNORE INTO trace_index (bucket, tkey, stream_id, ts, h) VALUES ${Array(ROWS_PER_INSERT).fill('(?, ?, ?, ?, ?)').join(', ')}`,
    );
    this.insertStream = this.db.prepare(
      'INSERT INTO streams (tenant, fingerprint, labels) VALUES (?, ?, ?) RETURNING id',
    );
    this.loadStreams();
  }

  private loadStreams(): void {
    const rows = this.db.prepare('SELECT id, tenant, fingerprint, labels FROM streams').all() as Array<{
      id: number;
      tenant: string;
      fingerprint: string;
      labels: string;
    }>;
    const bounds = this.db
      .prepare('SELECT MIN(ts) AS lo, MAX(ts) AS hi FROM entries WHERE stream_id = ?')
      .safeIntegers(true);
    for (const row of rows) {
      const labels = JSON.parse(row.labels) as Labels;
      const b = bounds.get(row.id) as { lo: bigint | null; hi: bigint | null };
      this.remember({
        id: row.id,
        tenant: row.tenant,
        labels,
        key: formatLabels(labels),
        fingerprint: row.fingerprint,
        minTs: b.lo ?? 0n,
        maxTs: b.hi ?? 0n,
      });
    }
  }

  private remember(s: StreamInfo): void {
    let m = this.byTenant.get(s.tenant);
    if (!m) {
      m = new Map();
      this.byTenant.set(s.tenant, m);
    }
    m.set(s.fingerprint, s);
    this.byId.set(s.id, s);
  }

  tenants(): string[] {
    return [...this.byTenant.keys()];
  }

  /** Every stream of a tenant. */
  streams(tenant: string): StreamInfo[] {
    return [...(this.byTenant.get(tenant)?.values() ?? [])];
  }

  streamCount(tenant: string): number {
    return this.byTenant.get(tenant)?.size ?? 0;
  }

  findStream(tenant: string, labels: Labels): StreamInfo | undefined {
    return this.byTenant.get(tenant)?.get(fingerprint(labels));
  }

  /**
   * Appends entries to streams in one transaction, creating streams that do not exist yet.
   * Returns how many entries were new (exact duplicates are ignored).
   */
  append(tenant: string, batch: Array<{ labels: Labels; entries: Entry[] }>): { inserted: number } {
    let inserted = 0;
    const created: StreamInfo[] = [];
    const touched: Array<[StreamInfo, bigint, bigint]> = [];
    const run = this.db.transaction(() => {
      for (const { labels, entries } of batch) {
        if (entries.length === 0) continue;
        const fp = fingerprint(labels);
        let stream = this.byTenant.get(tenant)?.get(fp) ?? created.find((c) => c.fingerprint === fp);
        if (!stream) {
          const row = this.insertStream.get(tenant, fp, JSON.stringify(labels)) as { id: number };
          stream = {
            id: row.id,
            tenant,
            labels,
            key: formatLabels(labels),
            fingerprint: fp,
            minTs: 0n,
            maxTs: 0n,
          };
          created.push(stream);
        }
        let lo = entries[0]!.ts;
        let hi = lo;
        for (const e of entries) {
          const h = lineHash(e.line);
          const meta = e.metadata && Object.keys(e.metadata).length > 0 ? e.metadata : undefined;
          rows.push(stream.id, e.ts, h, e.line, meta ? JSON.stringify(meta) : null);
          const traceId = meta?.trace_id;
          // A duplicate entry's trace row is a duplicate too, and ignored by its key.
          if (traceId) traces.push(e.ts / TRACE_BUCKET_NS, lineHash(traceId), stream.id, e.ts, h);
          if (rows.length >= ROWS_PER_INSERT * 5) flush();
          if (e.ts < lo) lo = e.ts;
          if (e.ts > hi) hi = e.ts;
        }
        touched.push([stream, lo, hi]);
      }
      flush();
    });
    const rows: unknown[] = [];
    const traces: unknown[] = [];
    const flush = () => {
      inserted += this.insertMany(this.insertEntry, this.insertEntries, rows, 5);
      this.insertMany(this.insertTrace, this.insertTraces, traces, 5);
      rows.length = 0;
      traces.length = 0;
    };
    run();
    // Only after the commit: the in-memory view follows what is durable.
    for (const s of created) this.remember(s);
    for (const [s, lo, hi] of touched) {
      if (s.minTs === 0n || lo < s.minTs) s.minTs = lo;
      if (hi > s.maxTs) s.maxTs = hi;
    }
    return { inserted };
  }

  /** Runs `params` (rows of `width` values) through the multi-row statement, the rest one by one. */
  private insertMany(
    single: Database.Statement,
    many: Database.Statement,
    params: unknown[],
    width: number,
  ): number {
    let changes = 0;
    const chunk = ROWS_PER_INSERT * width;
    let i = 0;
    for (; i + chunk <= params.length; i += chunk) changes += many.run(params.slice(i, i + chunk)).changes;
    for (; i < params.length; i += width) changes += single.run(params.slice(i, i + width)).changes;
    return changes;
  }

  /** Iterates a stream's entries in a time range, in time order. */
  *scanStream(stream: StreamInfo, opts: ScanOptions): Generator<ScannedEntry> {
    const order = opts.direction === 'forward' ? 'ASC' : 'DESC';
    const contains = opts.contains ?? [];
    const extra = contains.map(() => ' AND instr(line, ?) > 0').join('');
    const stmt = this.db
      .prepare(
        `SELECT ts, line, meta FROM entries WHERE stream_id = ? AND ts >= ? AND ts < ?${extra} ORDER BY ts ${order}, h ${order}`,
      )
      .safeIntegers(true);
    for (const row of stmt.iterate(stream.id, opts.from, opts.to, ...contains) as IterableIterator<{
      ts: bigint;
      line: string;
      meta: string | null;
    }>) {
      const entry: ScannedEntry = { stream, ts: row.ts, line: row.line };
      if (row.meta !== null) entry.metadata = JSON.parse(row.meta) as Labels;
      yield entry;
    }
  }

  /**
   * Calls `fn` for each entry of a stream in [from, to), in time order, with the metadata still as
   * JSON text (parsed only when a query needs it). The fast path of metric queries.
   */
  forEachInRange(
    stream: StreamInfo,
    from: bigint,
    to: bigint,
    contains: string[],
    fn: (ts: bigint, line: string, meta: string | null) => void,
  ): void {
    const extra = contains.map(() => ' AND instr(line, ?) > 0').join('');
    const stmt = this.db
      .prepare(
        `SELECT ts, line, meta FROM entries WHERE stream_id = ? AND ts >= ? AND ts < ?${extra} ORDER BY ts, h`,
      )
      .safeIntegers(true)
      .raw(true);
    for (const row of stmt.iterate(stream.id, from, to, ...contains) as IterableIterator<
      [bigint, string, string | null]
    >) {
      fn(row[0], row[1], row[2]);
    }
  }

  /** Entries whose `trace_id` structured metadata equals `traceId`, from the trace index. */
  byTraceId(tenant: string, traceId: string, from: bigint, to: bigint): ScannedEntry[] {
    const stmt = this.db
      .prepare(
        `SELECT e.stream_id AS sid, e.ts AS ts, e.line AS line, e.meta AS meta
         FROM trace_index t JOIN entries e ON e.stream_id = t.stream_id AND e.ts = t.ts AND e.h = t.h
         WHERE t.bucket = ? AND t.tkey = ? AND t.ts >= ? AND t.ts < ?`,
      )
      .safeIntegers(true);
    const tkey = lineHash(traceId);
    const out: ScannedEntry[] = [];
    // Clamp to the data actually held, so an open-ended range does not walk empty buckets.
    let lo = from;
    let hi = to;
    let dataLo = -1n;
    let dataHi = -1n;
    for (const s of this.byId.values()) {
      if (s.tenant !== tenant || s.maxTs === 0n) continue;
      if (dataLo < 0n || s.minTs < dataLo) dataLo = s.minTs;
      if (s.maxTs > dataHi) dataHi = s.maxTs;
    }
    if (dataLo < 0n) return out;
    if (lo < dataLo) lo = dataLo;
    if (hi > dataHi + 1n) hi = dataHi + 1n;
    if (hi <= lo) return out;
    for (let b = lo / TRACE_BUCKET_NS; b <= (hi - 1n) / TRACE_BUCKET_NS; b++) {
      const rows = stmt.all(b, tkey, from, to) as Array<{
        sid: bigint;
        ts: bigint;
        line: string;
        meta: string | null;
      }>;
      for (const r of rows) {
        const stream = this.byId.get(Number(r.sid));
        if (!stream || stream.tenant !== tenant || r.meta === null) continue;
        const metadata = JSON.parse(r.meta) as Labels;
        // The index is keyed by a hash of the trace id: keep exact matches only.
        if (metadata.trace_id !== traceId) continue;
        out.push({ stream, ts: r.ts, line: r.line, metadata });
      }
    }
    return out;
  }

  /** Entries and line bytes of some streams in [from, to). */
  countRange(streams: StreamInfo[], from: bigint, to: bigint): { entries: number; bytes: number } {
    const stmt = this.db.prepare(
      'SELECT COUNT(*) AS n, COALESCE(SUM(length(CAST(line AS BLOB))), 0) AS b FROM entries WHERE stream_id = ? AND ts >= ? AND ts < ?',
    );
    let entries = 0;
    let bytes = 0;
    for (const s of streams) {
      const r = stmt.get(s.id, from, to) as { n: number; b: number };
      entries += r.n;
      bytes += r.b;
    }
    return { entries, bytes };
  }

  /** Bytes of the database pages in use (what size retention bounds). */
  usedBytes(): number {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  /** Deletes entries older than `cutoff` (ns) in every stream; returns how many were deleted. */
  deleteOlderThan(cutoff: bigint): number {
    let deleted = 0;
    const del = this.db.prepare('DELETE FROM entries WHERE stream_id = ? AND ts < ?');
    const delTrace = this.db.prepare('DELETE FROM trace_index WHERE bucket < ?');
    const bounds = this.db
      .prepare('SELECT MIN(ts) AS lo FROM entries WHERE stream_id = ?')
      .safeIntegers(true);
    this.db.transaction(() => {
      for (const s of this.byId.values()) {
        if (s.minTs !== 0n && s.minTs >= cutoff) continue;
        deleted += del.run(s.id, cutoff).changes;
        const b = bounds.get(s.id) as { lo: bigint | null };
        s.minTs = b.lo ?? 0n;
        if (b.lo === null) s.maxTs = 0n;
      }
      delTrace.run(cutoff / TRACE_BUCKET_NS);
    })();
    return deleted;
  }

  /**
   * Retention: drops entries older than `maxAgeNs` before `nowNs`, then, while the database is
   * over `maxBytes`, the oldest slice of time across all streams. Returns entries deleted.
   */
  applyRetention(nowNs: bigint, maxAgeNs?: bigint, maxBytes?: number): number {
    let deleted = 0;
    if (maxAgeNs !== undefined) deleted += this.deleteOlderThan(nowNs - maxAgeNs);
    if (maxBytes !== undefined) {
      for (let round = 0; round < 20; round++) {
        const used = this.usedBytes();
        if (used <= maxBytes) break;
        let lo = 0n;
        let hi = 0n;
        for (const s of this.byId.values()) {
          if (s.maxTs === 0n) continue;
          if (lo === 0n || s.minTs < lo) lo = s.minTs;
          if (s.maxTs > hi) hi = s.maxTs;
        }
        if (hi === 0n) break;
        // Drop the share of the time span that the excess represents, plus 5%, at least 1 ns.
        const share = Math.min(1, (used - maxBytes) / used + 0.05);
        const span = hi - lo + 1n;
        const cut = lo + BigInt(Math.max(1, Math.ceil(Number(span) * share)));
        const n = this.deleteOlderThan(cut);
        deleted += n;
        this.db.pragma('incremental_vacuum');
        if (n === 0 && cut > hi) break;
      }
    }
    if (deleted > 0) this.db.pragma('incremental_vacuum');
    return deleted;
  }

  close(): void {
    this.db.close();
  }
}
