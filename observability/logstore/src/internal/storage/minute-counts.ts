// Pre-aggregated counts: lines and line bytes per stream per minute of entry time, kept in the table
// `minute_counts` in the same transaction as the entries they count, so they are exactly what is stored
// (duplicates that were not stored are not counted; retention and a full disk keep them in step).
//
// Index statistics and volume (which Grafana asks constantly) read them instead of the entries, and a
// metric query over a plain selector (count_over_time, bytes_over_time, rate with no pipeline stage) can
// read whole minutes from them. Sealing moves entries into chunks and leaves the counts as they are.
import type { SqliteDatabase, SqliteStatement } from '@opsight/sqlite';

/** The length of one counted interval: a minute, in ns. */
export const MINUTE_NS = 60_000_000_000n;

/** The counts of one stream in one minute. */
export interface MinuteCount {
  /** Start of the minute, Unix ns (a multiple of {@link MINUTE_NS}); it holds [minute, minute + 1 m). */
  minute: bigint;
  /** Entries stored with a timestamp in the minute. */
  lines: number;
  /** Their line bytes (UTF-8). */
  bytes: number;
}

/** Counts added by one write, per stream and minute, until they are written with it. */
export class MinuteTally {
  private readonly byStream = new Map<number, Map<bigint, { lines: number; bytes: number }>>();
  private lastStream = -1;
  private lastStart = 0n;
  private lastEnd = 0n;
  private last: { lines: number; bytes: number } | undefined;

  /** Counts one stored entry. */
  add(streamId: number, ts: bigint, bytes: number): void {
    if (streamId !== this.lastStream || ts < this.lastStart || ts >= this.lastEnd || !this.last) {
      const minute = ts / MINUTE_NS;
      let m = this.byStream.get(streamId);
      if (!m) {
        m = new Map();
        this.byStream.set(streamId, m);
      }
      let cell = m.get(minute);
      if (!cell) {
        cell = { lines: 0, bytes: 0 };
        m.set(minute, cell);
      }
      this.last = cell;
      this.lastStream = streamId;
      this.lastStart = minute * MINUTE_NS;
      this.lastEnd = this.lastStart + MINUTE_NS;
    }
    this.last.lines++;
    this.last.bytes += bytes;
  }

  /** Every counted (stream, minute index, lines, bytes). */
  *cells(): Generator<[number, bigint, number, number]> {
    for (const [streamId, m] of this.byStream)
      for (const [minute, c] of m) yield [streamId, minute, c.lines, c.bytes];
  }
}

/** The `minute_counts` table. Every method runs in the caller's transaction, if any. */
export class MinuteCounts {
  /** Whether the table was created by this open (a database written before it existed needs a backfill). */
  readonly created: boolean;
  private readonly add: SqliteStatement;
  private readonly put: SqliteStatement;
  private readonly drop: SqliteStatement;
  private readonly sumRange: SqliteStatement;
  private readonly rows: SqliteStatement;

  constructor(private readonly db: SqliteDatabase) {
    this.created =
      db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'minute_counts'").get() ===
      undefined;
    db.exec(`
      CREATE TABLE IF NOT EXISTS minute_counts (
        stream_id INTEGER NOT NULL,
        minute INTEGER NOT NULL,
        lines INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        PRIMARY KEY (stream_id, minute)
      ) WITHOUT ROWID;
    `);
    this.add = db.prepare(
      `INSERT INTO minute_counts (stream_id, minute, lines, bytes) VALUES (?, ?, ?, ?)
         ON CONFLICT (stream_id, minute) DO UPDATE SET lines = lines + excluded.lines, bytes = bytes + excluded.bytes`,
    );
    this.put = db.prepare(
      'INSERT OR REPLACE INTO minute_counts (stream_id, minute, lines, bytes) VALUES (?, ?, ?, ?)',
    );
    this.drop = db.prepare('DELETE FROM minute_counts WHERE stream_id = ? AND minute < ?');
    this.sumRange = db.prepare(
      'SELECT COALESCE(SUM(lines), 0) AS n, COALESCE(SUM(bytes), 0) AS b FROM minute_counts WHERE stream_id = ? AND minute >= ? AND minute < ?',
    );
    this.rows = db.prepare(
      'SELECT minute, lines, bytes FROM minute_counts WHERE stream_id = ? AND minute >= ? AND minute < ? ORDER BY minute',
      { bigInts: true, rows: 'array' },
    );
  }

  /** Adds a write's counts. */
  record(tally: MinuteTally): void {
    for (const [streamId, minute, lines, bytes] of tally.cells())
      this.add.run(streamId, minute, lines, bytes);
  }

  /** Lines and bytes of a stream in the whole minutes [fromMinute, toMinute) (minute indexes, ns / 1 m). */
  sum(streamId: number, fromMinute: bigint, toMinute: bigint): { entries: number; bytes: number } {
    const r = this.sumRange.get(streamId, fromMinute, toMinute) as { n: number; b: number };
    return { entries: r.n, bytes: r.b };
  }

  /** A stream's minutes with entries in [fromMinute, toMinute) (minute indexes), oldest first. */
  list(streamId: number, fromMinute: bigint, toMinute: bigint): MinuteCount[] {
    return (this.rows.all(streamId, fromMinute, toMinute) as Array<[bigint, bigint, bigint]>).map(
      ([minute, lines, bytes]) => ({
        minute: minute * MINUTE_NS,
        lines: Number(lines),
        bytes: Number(bytes),
      }),
    );
  }

  /** Forgets a stream's minutes before `minute` (a minute index). */
  deleteBefore(streamId: number, minute: bigint): void {
    this.drop.run(streamId, minute);
  }

  /** Sets a stream's counts of one minute (a minute index), as recounted from what is stored. */
  set(streamId: number, minute: bigint, counts: { entries: number; bytes: number }): void {
    if (counts.entries === 0)
      this.db.prepare('DELETE FROM minute_counts WHERE stream_id = ? AND minute = ?').run(streamId, minute);
    else this.put.run(streamId, minute, counts.entries, counts.bytes);
  }
}
