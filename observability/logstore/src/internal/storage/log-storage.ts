// Embedded storage: one SQLite database (WAL) holding streams, entries and the trace_id index.
//
// - streams: one row per (tenant, label set), keyed by the label fingerprint; kept in memory too.
// - entries: WITHOUT ROWID table clustered by (stream, timestamp ns, line hash), so a stream's
//   entries in a time range are one sequential range scan, and an exact duplicate
//   (stream, timestamp, line) maps to the same key and is stored once (INSERT OR IGNORE).
// - trace_index: (1-minute bucket, trace_id hash → entry key), from the `trace_id` structured
//   metadata of the rows.
// - blocks, block_data: entries older than the out-of-order window are sealed (seal()): moved out of
//   `entries` into compressed blocks of one stream's run of entries, each with filters for trace ids,
//   `|=` needles and JSON field bounds (sealed-blocks.ts). No new entry can land in a sealed range
//   (the ingester rejects entries that far behind), so a stream reads as its blocks followed by its
//   rows. A store written by an older release (format 1 `chunks`) is converted on open.
// A push is one transaction; it is committed to the WAL before the HTTP response, so an
// acknowledged push survives kill -9 of the process (synchronous=NORMAL). `sync: 'full'` also
// survives power loss, at a cost per push.
import { join } from 'node:path';
import { ensurePrivateDatabase, ensurePrivateDir } from '@opsight/private-files';
import {
  openDatabase,
  type SqliteDatabase,
  type SqliteDriverName,
  type SqliteStatement,
  type SqlValue,
} from '@opsight/sqlite';
import { fingerprint, formatLabels, type Labels } from '../labels.js';
import type { SealedEntry } from './block-codec.js';
import { decodeChunk } from './chunk-codec.js';
import { type DerivedEntryFields, deriveEntryFields } from './entry-fields.js';
import { lineHash } from './line-hash.js';
import { MINUTE_NS, type MinuteCount, MinuteCounts, MinuteTally } from './minute-counts.js';
import type { FieldBound, ScanStats } from './scan-stats.js';
import { BLOCK_TARGET_BYTES, SealedBlocks, splitIntoBlocks } from './sealed-blocks.js';

/**
 * The trace index is partitioned by 1-minute buckets of entry time, then keyed by a hash of the
 * trace id: new entries land in the few newest buckets, so its inserts stay cache-friendly as the
 * store grows (a single random-keyed index slowed ingest several-fold at a million lines).
 */
const TRACE_BUCKET_NS = 60_000_000_000n;

/** Rows a seal reads per statement. */
const SEAL_PAGE_ROWS = 4096;

/** Rows per multi-row INSERT: fewer statement steps per push. */
const ROWS_PER_INSERT = 64;
/**
 * Rows a scan reads per statement (see scanRows): a first small page (a query for the newest 100 lines
 * reads little more), then pages twice as large up to the largest.
 */
const SCAN_FIRST_PAGE_ROWS = 128;
const SCAN_MAX_PAGE_ROWS = 4096;
/** What one push appends: streams, each with its new entries. */
export type AppendBatch = ReadonlyArray<{ labels: Labels; entries: readonly Entry[] }>;

/** A row of a scan page: ts, h, line, meta. */
type PageRow = [bigint, bigint, string, string | null];

export interface StorageOptions {
  /** Directory for the database files; `:memory:` keeps everything in memory (tests). */
  dataDir: string;
  /**
   * Durability of a commit: `normal` survives a crash of the process (kill -9), `full` also survives
   * power loss (fsync per push).
   * @default 'normal'
   */
  sync?: 'normal' | 'full';
  /** The SQLite driver the database is opened with. @default DEFAULT_SQLITE_DRIVER of @opsight/sqlite */
  driver?: SqliteDriverName;
  /**
   * Opens an existing store's database for reading only, beside the process that writes it (a query
   * worker): no schema statements or pragmas that write are run, SQLite refuses every write on the
   * connection, and the files' permissions are left to the writer. Its stream catalog follows the
   * writer's through {@link LogStorage.refreshStreams}. Not for `:memory:`.
   * @default false
   */
  readOnly?: boolean;
}

/**
 * Time bounds of streams as the writer knows them: `[id, minTs, maxTs]` triples, one per stream (see
 * {@link LogStorage.streamBounds} and {@link LogStorage.refreshStreams}).
 */
export type StreamBounds = BigInt64Array;

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
  /**
   * What append stores, when the caller already has it (push bodies decoded in a worker thread compute it
   * there, see decodeAndPrepare): `lineHash(line)` and `JSON.stringify(metadata)` (absent for no metadata).
   * It must be exactly that; a caller that changes the line or metadata drops it.
   */
  derived?: DerivedEntryFields;
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
  /** Bounds on JSON fields entries must satisfy: a hint, see {@link FieldBound}. */
  fieldBounds?: FieldBound[];
  /** Counters this read adds to. */
  stats?: ScanStats;
}

/** A read of a stream in a time range, in time order, for metric queries (see forEachInRange). */
export type RangeReadOptions = Omit<ScanOptions, 'direction'>;

export class LogStorage {
  readonly db: SqliteDatabase;
  private readonly byTenant = new Map<string, Map<string, StreamInfo>>();
  private readonly byId = new Map<number, StreamInfo>();
  private readonly insertEntry: SqliteStatement;
  private readonly insertTrace: SqliteStatement;
  private readonly insertStream: SqliteStatement;
  private readonly insertEntries: SqliteStatement;
  /** The same inserts, answering the rows they stored (not the ignored duplicates): stream, ts, bytes. */
  private readonly insertEntryReturning: SqliteStatement;
  private readonly insertEntriesReturning: SqliteStatement;
  private readonly insertTraces: SqliteStatement;
  private readonly sealed: SealedBlocks;
  private readonly minutes: MinuteCounts;

  constructor(options: StorageOptions) {
    const file = options.dataDir === ':memory:' ? ':memory:' : join(options.dataDir, 'logs.sqlite');
    if (options.dataDir !== ':memory:' && !options.readOnly) {
      // Checked on every open: an older release or a copy may have left the data readable by others.
      ensurePrivateDir(options.dataDir, { service: 'logstore' });
      ensurePrivateDatabase(file, { service: 'logstore' });
    }
    this.db = openDatabase(file, {
      ...(options.driver ? { driver: options.driver } : {}),
      readOnly: options.readOnly === true,
    });
    // A reader leaves the database as the writer made it (an auto_vacuum pragma, say, would try to write).
    if (!options.readOnly) {
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
    }
    // The page cache is the connection's own: a reader gets one as large as the writer's.
    if (options.readOnly) this.db.pragma('cache_size = -65536');
    this.insertEntry = this.db.prepare(
      'INSERT OR IGNORE INTO entries (stream_id, ts, h, line, meta) VALUES (?, ?, ?, ?, ?)',
    );
    this.insertTrace = this.db.prepare(
      'INSERT OR IGNORE INTO trace_index (bucket, tkey, stream_id, ts, h) VALUES (?, ?, ?, ?, ?)',
    );
    const returning = ' RETURNING stream_id, ts, length(CAST(line AS BLOB))';
    this.insertEntryReturning = this.db.prepare(
      `INSERT OR IGNORE INTO entries (stream_id, ts, h, line, meta) VALUES (?, ?, ?, ?, ?)${returning}`,
      { bigInts: true, rows: 'array' },
    );
    this.insertEntriesReturning = this.db.prepare(
      `INSERT OR IGNORE INTO entries (stream_id, ts, h, line, meta) VALUES ${Array(ROWS_PER_INSERT).fill('(?, ?, ?, ?, ?)').join(', ')}${returning}`,
      { bigInts: true, rows: 'array' },
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
    this.sealed = new SealedBlocks(this.db);
    this.minutes = new MinuteCounts(this.db);
    // A reader sees the database as its writer left it: the writer counts and converts when it opens.
    if (!options.readOnly) {
      if (this.minutes.created) this.backfillMinuteCounts();
      this.convertFormat1Chunks();
    }
    this.loadStreams();
  }

  /**
   * Counts what a database written before the per-minute counts existed holds, once: its rows, its sealed
   * blocks and its format 1 chunks (counted before they are converted).
   */
  private backfillMinuteCounts(): void {
    this.db.transaction(() => {
      this.db.exec(`INSERT INTO minute_counts (stream_id, minute, lines, bytes)
        SELECT stream_id, ts / ${MINUTE_NS}, COUNT(*), SUM(length(CAST(line AS BLOB))) FROM entries GROUP BY 1, 2`);
      const tally = new MinuteTally();
      const sealedStreams = this.db
        .prepare('SELECT DISTINCT stream_id FROM blocks', { rows: 'first' })
        .all() as number[];
      for (const sid of sealedStreams)
        this.sealed.forEach(sid, { from: 0n, to: 1n << 62n }, (ts, line) =>
          tally.add(sid, ts, Buffer.byteLength(line)),
        );
      const format1 = this.db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'chunks'")
        .get();
      if (format1) {
        const chunks = this.db.prepare('SELECT stream_id, data FROM chunks');
        for (const c of chunks.all() as Array<{ stream_id: number; data: Buffer }>)
          for (const e of decodeChunk(c.data)) tally.add(c.stream_id, e.ts, Buffer.byteLength(e.line));
      }
      this.minutes.record(tally);
    })();
  }

  /**
   * Converts the sealed chunks of an older release (format 1: `chunks`, one deflate blob of up to
   * 4096 entries, each entry also in `trace_index`) into blocks, one stream per transaction (a crash
   * leaves each stream either converted or not, and the next open goes on), then drops the table.
   */
  private convertFormat1Chunks(): void {
    const exists = this.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'chunks'")
      .get();
    if (!exists) return;
    const streamIds = this.db
      .prepare('SELECT DISTINCT stream_id FROM chunks', { rows: 'first' })
      .all() as number[];
    const chunks = this.db.prepare('SELECT id, data FROM chunks WHERE stream_id = ? ORDER BY min_ts, id', {
      rows: 'array',
    });
    const delChunk = this.db.prepare('DELETE FROM chunks WHERE id = ?');
    for (const sid of streamIds) {
      this.db.transaction(() => {
        const run: SealedEntry[] = [];
        const traced: Array<[bigint, number, string]> = [];
        for (const [id, data] of chunks.all(sid) as Array<[number, Uint8Array]>) {
          for (const e of decodeChunk(Buffer.from(data))) {
            run.push({ ts: e.ts, line: e.line, meta: e.meta });
            const traceId = e.meta === null ? undefined : traceIdOf(e.meta);
            if (traceId) traced.push([e.ts, e.h, traceId]);
          }
          delChunk.run(id);
        }
        run.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
        this.sealed.write(sid, run);
        this.dropTraceRows(sid, traced);
      })();
    }
    this.db.exec('DROP TABLE chunks');
  }

  /** Deletes the trace_index rows of entries (ts, line hash, trace id) of a stream that were sealed. */
  private dropTraceRows(streamId: number, entries: Array<[bigint, number, string]>): void {
    const key = '(bucket, tkey, stream_id, ts, h)';
    const one = this.db.prepare(`DELETE FROM trace_index WHERE ${key} = (?, ?, ?, ?, ?)`);
    const many = this.db.prepare(
      `DELETE FROM trace_index WHERE ${key} IN (VALUES ${Array(ROWS_PER_INSERT).fill('(?, ?, ?, ?, ?)').join(', ')})`,
    );
    // In key order: each index page is visited once, not once per entry.
    const keys = entries.map(([ts, h, traceId]) => [ts / TRACE_BUCKET_NS, lineHash(traceId), ts, h] as const);
    keys.sort((a, b) => (a[0] !== b[0] ? (a[0] < b[0] ? -1 : 1) : a[1] - b[1]));
    const params: SqlValue[] = [];
    for (const [bucket, tkey, ts, h] of keys) params.push(bucket, tkey, streamId, ts, h);
    this.insertMany(one, many, params, 5);
  }

  /** Reads the streams with an id above `afterId` into the catalog, with their bounds. */
  private loadStreams(afterId = 0): void {
    const rows = this.db
      .prepare('SELECT id, tenant, fingerprint, labels FROM streams WHERE id > ? ORDER BY id')
      .all(afterId) as Array<{
      id: number;
      tenant: string;
      fingerprint: string;
      labels: string;
    }>;
    for (const row of rows) {
      const labels = JSON.parse(row.labels) as Labels;
      const b = this.bounds(row.id);
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

  /**
   * The time bounds of a tenant's streams (every stream's without a tenant), as this catalog holds them:
   * what a reader's {@link refreshStreams} takes.
   */
  streamBounds(tenant?: string): StreamBounds {
    const streams = tenant === undefined ? [...this.byId.values()] : this.streams(tenant);
    const out = new BigInt64Array(streams.length * 3);
    let i = 0;
    for (const s of streams) {
      out[i++] = BigInt(s.id);
      out[i++] = s.minTs;
      out[i++] = s.maxTs;
    }
    return out;
  }

  /**
   * Brings a reader's stream catalog up to the writer's: reads the streams created since the last refresh
   * (the newest id known is the mark), then takes `bounds` (the writer's {@link streamBounds}) as the
   * streams' time bounds. Run at the start of a read transaction, it sees at least every stream and entry
   * the bounds were taken after.
   */
  refreshStreams(bounds?: StreamBounds): void {
    let newest = 0;
    for (const id of this.byId.keys()) if (id > newest) newest = id;
    this.loadStreams(newest);
    if (!bounds) return;
    for (let i = 0; i + 2 < bounds.length; i += 3) {
      const s = this.byId.get(Number(bounds[i]));
      if (!s) continue;
      s.minTs = bounds[i + 1]!;
      s.maxTs = bounds[i + 2]!;
    }
  }

  /** Oldest and newest timestamps of a stream, over its chunks and rows. */
  private bounds(streamId: number): { lo: bigint | null; hi: bigint | null } {
    return this.db
      .prepare(
        `SELECT MIN(lo) AS lo, MAX(hi) AS hi FROM (
           SELECT MIN(ts) AS lo, MAX(ts) AS hi FROM entries WHERE stream_id = ?
           UNION ALL SELECT MIN(min_ts), MAX(max_ts) FROM blocks WHERE stream_id = ?)`,
        { bigInts: true },
      )
      .get(streamId, streamId) as { lo: bigint | null; hi: bigint | null };
  }

  /**
   * Seals entries older than `ageNs` behind each stream's newest entry into compressed chunks, for
   * streams with at least `minEntries` such entries. Returns the number of entries sealed.
   */
  seal(ageNs: bigint, minEntries = 256): number {
    let sealed = 0;
    const count = this.db.prepare('SELECT COUNT(*) AS n FROM entries WHERE stream_id = ? AND ts < ?');
    // Pages of rows (a statement cannot write while another one iterates).
    const page = this.db.prepare(
      'SELECT ts, h, line, meta FROM entries WHERE stream_id = ? AND ts < ? AND (ts, h) > (?, ?) ORDER BY ts, h LIMIT ?',
      { bigInts: true, rows: 'array' },
    );
    const del = this.db.prepare('DELETE FROM entries WHERE stream_id = ? AND ts < ?');
    for (const s of this.byId.values()) {
      if (s.maxTs === 0n) continue;
      const cutoff = s.maxTs - ageNs;
      if ((count.get(s.id, cutoff) as { n: number }).n < minEntries) continue;
      // One transaction per stream: its rows become blocks, or nothing happens.
      this.db.transaction(() => {
        let lastTs = -1n;
        let lastH = -1n;
        let pending: SealedEntry[] = [];
        let pendingBytes = 0;
        const traced: Array<[bigint, number, string]> = [];
        for (;;) {
          const rows = page.all(s.id, cutoff, lastTs, lastH, SEAL_PAGE_ROWS) as Array<
            [bigint, bigint, string, string | null]
          >;
          if (rows.length === 0) break;
          for (const [ts, h, line, meta] of rows) {
            pending.push({ ts, line, meta });
            pendingBytes += line.length;
            const traceId = meta === null ? undefined : traceIdOf(meta);
            if (traceId) traced.push([ts, Number(h), traceId]);
          }
          sealed += rows.length;
          const last = rows[rows.length - 1]!;
          lastTs = last[0];
          lastH = last[1];
          // Whole blocks are written as they fill; the last, partial one waits for more rows.
          if (pendingBytes >= 2 * BLOCK_TARGET_BYTES) {
            const blocks = splitIntoBlocks(pending);
            pending = blocks.pop()!;
            pendingBytes = pending.reduce((n, e) => n + e.line.length, 0);
            for (const b of blocks) this.sealed.write(s.id, b);
          }
        }
        if (pending.length > 0) this.sealed.write(s.id, pending);
        del.run(s.id, cutoff);
        this.dropTraceRows(s.id, traced);
      })();
    }
    return sealed;
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
  append(tenant: string, batch: AppendBatch): { inserted: number } {
    return { inserted: this.appendGroup([{ tenant, batch }])[0]! };
  }

  /**
   * Appends the batches of several pushes in ONE transaction (group commit): they are durable together
   * when it returns, or, when it throws (a full disk), none of them is stored and the in-memory view is
   * unchanged. Returns how many entries of each batch were new (exact duplicates are ignored, also
   * between batches of the group: the first one stores the entry).
   */
  appendGroup(groups: ReadonlyArray<{ tenant: string; batch: AppendBatch }>): number[] {
    const inserted: number[] = groups.map(() => 0);
    const created = new Map<string, StreamInfo>();
    const touched: Array<[StreamInfo, bigint, bigint]> = [];
    const tally = new MinuteTally();
    // Per stream, the newest entry stored or being stored: a later entry cannot be a duplicate, so it is
    // counted as it is queued. One at or before it (pushes arriving out of order, a retry) may be one: those
    // are inserted with RETURNING, which answers only the rows stored, and counted from the answer.
    const newest = new Map<StreamInfo, bigint>();
    const rows: SqlValue[] = [];
    const late: SqlValue[] = [];
    const traces: SqlValue[] = [];
    let owner = 0;
    const flush = () => {
      // The queued new rows first: a late entry may duplicate one of them, never the other way round.
      this.insertMany(this.insertEntry, this.insertEntries, rows, 5);
      if (late.length > 0) {
        const chunk = ROWS_PER_INSERT * 5;
        const count = (stored: unknown[]) => {
          for (const r of stored as Array<[bigint, bigint, bigint]>) {
            tally.add(Number(r[0]), r[1], Number(r[2]));
            inserted[owner]!++;
          }
        };
        let i = 0;
        for (; i + chunk <= late.length; i += chunk)
          count(this.insertEntriesReturning.all(...late.slice(i, i + chunk)));
        for (; i < late.length; i += 5) count(this.insertEntryReturning.all(...late.slice(i, i + 5)));
      }
      this.insertMany(this.insertTrace, this.insertTraces, traces, 5);
      rows.length = 0;
      late.length = 0;
      traces.length = 0;
    };
    const run = this.db.transaction(() => {
      groups.forEach(({ tenant, batch }, g) => {
        if (late.length > 0) flush();
        owner = g;
        for (const { labels, entries } of batch) {
          if (entries.length === 0) continue;
          const fp = fingerprint(labels);
          let stream = this.byTenant.get(tenant)?.get(fp) ?? created.get(`${tenant}\u0000${fp}`);
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
            created.set(`${tenant}\u0000${fp}`, stream);
          }
          let high = newest.get(stream) ?? (stream.maxTs === 0n && stream.minTs === 0n ? -1n : stream.maxTs);
          let lo = entries[0]!.ts;
          let hi = lo;
          for (const e of entries) {
            const { h, bytes, meta, traceKey } = e.derived ?? deriveEntryFields(e);
            // A duplicate entry's trace row is a duplicate too, and ignored by its key.
            if (traceKey !== null) traces.push(e.ts / TRACE_BUCKET_NS, traceKey, stream.id, e.ts, h);
            if (e.ts > high) {
              high = e.ts;
              rows.push(stream.id, e.ts, h, e.line, meta);
              tally.add(stream.id, e.ts, bytes);
              inserted[owner]!++;
            } else late.push(stream.id, e.ts, h, e.line, meta);
            if (rows.length + late.length >= ROWS_PER_INSERT * 5) flush();
            if (e.ts < lo) lo = e.ts;
            if (e.ts > hi) hi = e.ts;
          }
          newest.set(stream, high);
          touched.push([stream, lo, hi]);
        }
      });
      flush();
      this.minutes.record(tally);
    });
    run();
    // Only after the commit: the in-memory view follows what is durable.
    for (const s of created.values()) this.remember(s);
    for (const [s, lo, hi] of touched) {
      if (s.minTs === 0n || lo < s.minTs) s.minTs = lo;
      if (hi > s.maxTs) s.maxTs = hi;
    }
    return inserted;
  }

  /** Runs `params` (rows of `width` values) through the multi-row statement, the rest one by one. */
  private insertMany(
    single: SqliteStatement,
    many: SqliteStatement,
    params: SqlValue[],
    width: number,
  ): number {
    let changes = 0;
    const chunk = ROWS_PER_INSERT * width;
    let i = 0;
    for (; i + chunk <= params.length; i += chunk) changes += many.run(...params.slice(i, i + chunk)).changes;
    for (; i < params.length; i += width) changes += single.run(...params.slice(i, i + width)).changes;
    return changes;
  }

  /** Iterates a stream's entries in a time range, in time order. */
  *scanStream(stream: StreamInfo, opts: ScanOptions): Generator<ScannedEntry> {
    const forward = opts.direction === 'forward';
    const sealed = function* (blocks: SealedBlocks): Generator<ScannedEntry> {
      for (const e of blocks.read(stream.id, opts, !forward)) {
        const entry: ScannedEntry = { stream, ts: e.ts, line: e.line };
        if (e.meta !== null) entry.metadata = JSON.parse(e.meta) as Labels;
        yield entry;
      }
    };
    if (forward) yield* sealed(this.sealed);
    yield* this.scanRows(stream, opts);
    if (!forward) yield* sealed(this.sealed);
  }

  /**
   * The rows of a stream, read in pages: no statement stays open between pages, so a reader may pause
   * between them (a query letting the event loop turn) while pushes write to the database.
   */
  private *scanRows(stream: StreamInfo, opts: ScanOptions): Generator<ScannedEntry> {
    const forward = opts.direction === 'forward';
    const order = forward ? 'ASC' : 'DESC';
    const contains = opts.contains ?? [];
    const extra = contains.map(() => ' AND instr(line, ?) > 0').join('');
    const sql = (after: string) =>
      `SELECT ts, h, line, meta FROM entries WHERE stream_id = ? AND ts >= ? AND ts < ?${after}${extra} ORDER BY ts ${order}, h ${order} LIMIT ?`;
    const first = this.db.prepare(sql(''), { bigInts: true, rows: 'array' });
    const next = this.db.prepare(sql(forward ? ' AND (ts, h) > (?, ?)' : ' AND (ts, h) < (?, ?)'), {
      bigInts: true,
      rows: 'array',
    });
    let size = SCAN_FIRST_PAGE_ROWS;
    let rows = first.all(stream.id, opts.from, opts.to, ...contains, size) as PageRow[];
    const stats = opts.stats;
    while (rows.length > 0) {
      if (stats) stats.headRows += rows.length;
      for (const row of rows) {
        if (stats) stats.headBytes += row[2].length;
        const entry: ScannedEntry = { stream, ts: row[0], line: row[2] };
        if (row[3] !== null) entry.metadata = JSON.parse(row[3]) as Labels;
        yield entry;
      }
      if (rows.length < size) return;
      const last = rows[rows.length - 1]!;
      size = Math.min(size * 2, SCAN_MAX_PAGE_ROWS);
      rows = next.all(stream.id, opts.from, opts.to, last[0], last[1], ...contains, size) as PageRow[];
    }
  }

  /**
   * Calls `fn` for each entry of a stream in [from, to), in time order, with the metadata still as
   * JSON text (parsed only when a query needs it). The fast path of metric queries.
   */
  forEachInRange(
    stream: StreamInfo,
    opts: RangeReadOptions,
    fn: (ts: bigint, line: string, meta: string | null) => void,
  ): void {
    const { from, to, stats } = opts;
    const contains = opts.contains ?? [];
    this.sealed.forEach(stream.id, opts, fn);
    const extra = contains.map(() => ' AND instr(line, ?) > 0').join('');
    const stmt = this.db.prepare(
      `SELECT ts, line, meta FROM entries WHERE stream_id = ? AND ts >= ? AND ts < ?${extra} ORDER BY ts, h`,
      { bigInts: true, rows: 'array' },
    );
    for (const row of stmt.iterate(stream.id, from, to, ...contains) as IterableIterator<
      [bigint, string, string | null]
    >) {
      if (stats) {
        stats.headRows++;
        stats.headBytes += row[1].length;
      }
      fn(row[0], row[1], row[2]);
    }
  }

  /**
   * Entries whose `trace_id` structured metadata equals `traceId`: rows from the trace index, sealed
   * entries from the blocks whose trace filter may hold it.
   */
  byTraceId(tenant: string, traceId: string, from: bigint, to: bigint, stats?: ScanStats): ScannedEntry[] {
    // The index keeps rows of sealed entries only until their seal commits: join to the rows.
    const stmt = this.db.prepare(
      `SELECT t.stream_id AS sid, t.ts AS ts, e.line AS line, e.meta AS meta
         FROM trace_index t JOIN entries e ON e.stream_id = t.stream_id AND e.ts = t.ts AND e.h = t.h
         WHERE t.bucket = ? AND t.tkey = ? AND t.ts >= ? AND t.ts < ?`,
      { bigInts: true },
    );
    const tkey = lineHash(traceId);
    const out: ScannedEntry[] = [];
    // Clamp to the data actually held, so an open-ended range does not walk empty buckets.
    let lo = from;
    let hi = to;
    let dataLo = -1n;
    let dataHi = -1n;
    const streams: StreamInfo[] = [];
    for (const s of this.byId.values()) {
      if (s.tenant !== tenant || s.maxTs === 0n) continue;
      if (dataLo < 0n || s.minTs < dataLo) dataLo = s.minTs;
      if (s.maxTs > dataHi) dataHi = s.maxTs;
      if (s.maxTs >= from && s.minTs < to) streams.push(s);
    }
    if (dataLo < 0n) return out;
    if (lo < dataLo) lo = dataLo;
    if (hi > dataHi + 1n) hi = dataHi + 1n;
    if (hi <= lo) return out;
    for (const { streamId, entry } of this.sealed.byTraceId(
      streams.map((s) => s.id),
      traceId,
      from,
      to,
      stats,
    )) {
      out.push({
        stream: this.byId.get(streamId)!,
        ts: entry.ts,
        line: entry.line,
        metadata: JSON.parse(entry.meta!),
      });
      if (stats) stats.indexHits++;
    }
    // Sealed entries have left the index: walk only the buckets it still holds.
    const bucketLo = this.db
      .prepare('SELECT MIN(bucket) FROM trace_index', { bigInts: true, rows: 'first' })
      .get();
    const bucketHi = this.db
      .prepare('SELECT MAX(bucket) FROM trace_index', { bigInts: true, rows: 'first' })
      .get();
    if (typeof bucketLo !== 'bigint' || typeof bucketHi !== 'bigint') return out;
    const first = lo / TRACE_BUCKET_NS > bucketLo ? lo / TRACE_BUCKET_NS : bucketLo;
    const last = (hi - 1n) / TRACE_BUCKET_NS < bucketHi ? (hi - 1n) / TRACE_BUCKET_NS : bucketHi;
    for (let b = first; b <= last; b++) {
      const rows = stmt.all(b, tkey, from, to) as Array<{
        sid: bigint;
        ts: bigint;
        line: string;
        meta: string | null;
      }>;
      for (const r of rows) {
        const stream = this.byId.get(Number(r.sid));
        if (!stream || stream.tenant !== tenant) continue;
        if (r.meta === null) continue;
        const metadata = JSON.parse(r.meta) as Labels;
        // The index is keyed by a hash of the trace id: keep exact matches only.
        if (metadata.trace_id !== traceId) continue;
        out.push({ stream, ts: r.ts, line: r.line, metadata });
        if (stats) stats.indexHits++;
      }
    }
    return out;
  }

  /**
   * Entries and line bytes of some streams in [from, to): whole minutes from the per-minute counts, the
   * parts of minutes at either end counted from the entries.
   */
  countRange(streams: StreamInfo[], from: bigint, to: bigint): { entries: number; bytes: number } {
    let entries = 0;
    let bytes = 0;
    const add = (c: { entries: number; bytes: number }) => {
      entries += c.entries;
      bytes += c.bytes;
    };
    for (const s of streams) {
      if (s.maxTs === 0n && s.minTs === 0n) continue;
      const lo = from > s.minTs ? from : s.minTs;
      const hi = to < s.maxTs + 1n ? to : s.maxTs + 1n;
      if (hi <= lo) continue;
      const firstWhole = ((lo + MINUTE_NS - 1n) / MINUTE_NS) * MINUTE_NS;
      const endWhole = (hi / MINUTE_NS) * MINUTE_NS;
      if (firstWhole >= endWhole) {
        add(this.countStored(s.id, lo, hi));
        continue;
      }
      if (lo < firstWhole) add(this.countStored(s.id, lo, firstWhole));
      add(this.minutes.sum(s.id, firstWhole / MINUTE_NS, endWhole / MINUTE_NS));
      if (endWhole < hi) add(this.countStored(s.id, endWhole, hi));
    }
    return { entries, bytes };
  }

  /**
   * A stream's per-minute counts (lines and line bytes) for the whole minutes in [from, to), oldest first;
   * minutes without entries are left out. Exact for every minute held: what is stored, counted as it was
   * written.
   */
  minuteCounts(stream: StreamInfo, from: bigint, to: bigint): MinuteCount[] {
    const first = (from + MINUTE_NS - 1n) / MINUTE_NS;
    const end = to / MINUTE_NS;
    return first < end ? this.minutes.list(stream.id, first, end) : [];
  }

  /** Entries and line bytes of one stream in [from, to), counted from its rows and sealed blocks. */
  private countStored(streamId: number, from: bigint, to: bigint): { entries: number; bytes: number } {
    const r = this.db
      .prepare(
        'SELECT COUNT(*) AS n, COALESCE(SUM(length(CAST(line AS BLOB))), 0) AS b FROM entries WHERE stream_id = ? AND ts >= ? AND ts < ?',
      )
      .get(streamId, from, to) as { n: number; b: number };
    const c = this.sealed.count(streamId, from, to);
    return { entries: r.n + c.entries, bytes: r.b + c.bytes };
  }

  /** Bytes of the database pages in use (what size retention bounds). */
  usedBytes(): number {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  /**
   * Deletes entries older than `cutoff` (ns) in every stream, or only in the streams of `tenant`; returns
   * how many were deleted.
   */
  deleteOlderThan(cutoff: bigint, tenant?: string): number {
    let deleted = 0;
    const del = this.db.prepare('DELETE FROM entries WHERE stream_id = ? AND ts < ?');
    const delTrace =
      tenant === undefined
        ? this.db.prepare('DELETE FROM trace_index WHERE bucket < ?')
        : this.db.prepare(
            'DELETE FROM trace_index WHERE bucket < ? AND stream_id IN (SELECT id FROM streams WHERE tenant = ?)',
          );
    this.db.transaction(() => {
      for (const s of this.byId.values()) {
        if (tenant !== undefined && s.tenant !== tenant) continue;
        if (s.minTs !== 0n && s.minTs >= cutoff) continue;
        deleted += del.run(s.id, cutoff).changes;
        // A block across the cutoff keeps its newer part.
        deleted += this.sealed.deleteOlderThan(s.id, cutoff);
        // The per-minute counts: minutes before the cutoff's go; the cutoff's own minute is recounted.
        const minute = cutoff / MINUTE_NS;
        this.minutes.deleteBefore(s.id, minute);
        if (minute * MINUTE_NS < cutoff)
          this.minutes.set(
            s.id,
            minute,
            this.countStored(s.id, minute * MINUTE_NS, (minute + 1n) * MINUTE_NS),
          );
        const b = this.bounds(s.id);
        s.minTs = b.lo ?? 0n;
        if (b.lo === null) s.maxTs = 0n;
      }
      if (tenant === undefined) delTrace.run(cutoff / TRACE_BUCKET_NS);
      else delTrace.run(cutoff / TRACE_BUCKET_NS, tenant);
    })();
    return deleted;
  }

  /**
   * Bytes each tenant holds on disk, estimated from what it stores: its unsealed rows (line, metadata and
   * a fixed per-row overhead) and its sealed blocks (compressed size and filters). Used to split the
   * size budget.
   */
  tenantBytes(): Map<string, number> {
    const out = new Map<string, number>();
    const rows = this.db
      .prepare(
        `SELECT s.tenant AS tenant, SUM(x.b) AS b FROM streams s JOIN (
           SELECT stream_id, SUM(length(CAST(line AS BLOB)) + COALESCE(length(meta), 0) + 32) AS b
             FROM entries GROUP BY stream_id
         ) x ON x.stream_id = s.id GROUP BY s.tenant`,
      )
      .all() as Array<{ tenant: string; b: number | null }>;
    for (const r of rows) if (r.b) out.set(r.tenant, r.b);
    for (const r of this.sealed.bytesByStream()) {
      const s = this.byId.get(Number(r.stream_id));
      if (s && r.b) out.set(s.tenant, (out.get(s.tenant) ?? 0) + r.b);
    }
    return out;
  }

  /**
   * Retention: drops entries older than `maxAgeNs` before `nowNs`; then, while the database is over
   * `maxBytes`, the oldest slice of time of the tenant most over its share. The share is `maxBytes`
   * split evenly between the tenants that hold data and those named in `tenants` (the configured ones);
   * a tenant within its share is never evicted, so one tenant's volume cannot evict another's data.
   * A single tenant's share is the whole budget. Returns entries deleted.
   */
  applyRetention(nowNs: bigint, maxAgeNs?: bigint, maxBytes?: number, tenants: string[] = []): number {
    let deleted = 0;
    if (maxAgeNs !== undefined) deleted += this.deleteOlderThan(nowNs - maxAgeNs);
    if (maxBytes !== undefined) {
      for (let round = 0; round < 40; round++) {
        const used = this.usedBytes();
        if (used <= maxBytes) break;
        const held = this.tenantBytes();
        const names = new Set([...tenants, ...held.keys()]);
        const total = [...held.values()].reduce((a, b) => a + b, 0);
        if (total === 0) break;
        const share = maxBytes / Math.max(1, names.size);
        // Each tenant's part of the pages in use, in proportion to what it stores.
        let victim: string | undefined;
        let over = 0;
        for (const [t, b] of held) {
          const est = (used * b) / total;
          if (est - share > over) {
            over = est - share;
            victim = t;
          }
        }
        if (victim === undefined) break;
        let lo = 0n;
        let hi = 0n;
        for (const s of this.byId.values()) {
          if (s.tenant !== victim || s.maxTs === 0n) continue;
          if (lo === 0n || s.minTs < lo) lo = s.minTs;
          if (s.maxTs > hi) hi = s.maxTs;
        }
        if (hi === 0n) break;
        // Drop the share of the tenant's time span that its excess represents (no more than the store's
        // excess), plus 5%, at least 1 ns.
        const est = (used * held.get(victim)!) / total;
        const excess = Math.min(over, used - maxBytes);
        const part = Math.min(1, excess / est + 0.05);
        const span = hi - lo + 1n;
        const cut = lo + BigInt(Math.max(1, Math.ceil(Number(span) * part)));
        const n = this.deleteOlderThan(cut, victim);
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

/** The `trace_id` of metadata stored as JSON text, if any. */
function traceIdOf(meta: string): string | undefined {
  const at = meta.indexOf('"trace_id":"');
  if (at < 0) return undefined;
  const from = at + 12;
  const end = meta.indexOf('"', from);
  const raw = meta.slice(from, end);
  // Escapes, or a key that only looked like one (inside a value): read it properly.
  if (end < 0 || raw.includes('\\') || (at > 1 && meta[at - 1] !== ',' && meta[at - 1] !== '{')) {
    const v = (JSON.parse(meta) as Record<string, unknown>).trace_id;
    return typeof v === 'string' && v !== '' ? v : undefined;
  }
  return raw === '' ? undefined : raw;
}
