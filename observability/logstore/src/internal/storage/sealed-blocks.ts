// The sealed part of the log store: entries that can no longer change, as compressed blocks of one
// stream's entries (block-codec.ts), each with its filters (block-filter.ts).
//
// - blocks: one row per block: stream, time range, entry count, line bytes and the filters; small,
//   so that a reader picks the blocks it needs from them alone.
// - block_data: the stored block (format byte, compression byte, compressed payload), by block id.
// A sealed run of a stream (a chunk, in Loki's words) is its consecutive blocks.
//
// Every write here runs inside the caller's transaction.
import type { SqliteDatabase, SqliteStatement } from '@opsight/sqlite';
import { BlockView, encodeBlock, MAX_BLOCK_SPAN_NS, type SealedEntry } from './block-codec.js';
import { buildBlockFilters, mayContain, mayHoldTrace, maySatisfy } from './block-filter.js';
import type { FieldBound, ScanStats } from './scan-stats.js';

/**
 * Line bytes per block, measured on the bench's JSON lines (README). At 300,000 lines, 1 MiB blocks
 * take 54 B per line where 256 KiB blocks (Loki's block size) take 58: a block is a row here, and a
 * row's last page is partly empty. At 1,000,000 lines, 512 KiB blocks take 1 B per line more than
 * 1 MiB and halve what a trace lookup or the newest lines decode (trace lookup in-process: median
 * 2.5 ms, p90 4.2 ms, against 2.8 and 7.0 ms).
 */
export const BLOCK_TARGET_BYTES = 512 * 1024;
/** Most entries per block (short lines). */
export const BLOCK_MAX_ENTRIES = 8192;

/** A block's row, without its data. */
export interface BlockRow {
  id: number;
  min_ts: bigint;
  max_ts: bigint;
  entries: number;
  line_bytes: number;
}

/** What a read of sealed blocks keeps. */
export interface SealedReadOptions {
  from: bigint;
  to: bigint;
  contains?: string[];
  fieldBounds?: FieldBound[];
  stats?: ScanStats;
}

/** Splits a run of entries (oldest first) into blocks: by line bytes, entry count and time span. */
export function splitIntoBlocks(entries: SealedEntry[]): SealedEntry[][] {
  const out: SealedEntry[][] = [];
  let cur: SealedEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    if (
      cur.length > 0 &&
      (bytes >= BLOCK_TARGET_BYTES ||
        cur.length >= BLOCK_MAX_ENTRIES ||
        e.ts - cur[0]!.ts >= MAX_BLOCK_SPAN_NS)
    ) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(e);
    bytes += e.line.length;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

export class SealedBlocks {
  private readonly insertBlock: SqliteStatement;
  private readonly insertData: SqliteStatement;
  private readonly selectData: SqliteStatement;
  private readonly selectRows: SqliteStatement;
  private readonly selectFilters: SqliteStatement;

  /** The last block decoded (see view()). */
  private last: { key: string; view: BlockView } | undefined;

  constructor(private readonly db: SqliteDatabase) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS blocks (
        id INTEGER PRIMARY KEY,
        stream_id INTEGER NOT NULL,
        min_ts INTEGER NOT NULL,
        max_ts INTEGER NOT NULL,
        entries INTEGER NOT NULL,
        line_bytes INTEGER NOT NULL,
        trace_bloom BLOB,
        text_bloom BLOB,
        fields TEXT
      );
      CREATE INDEX IF NOT EXISTS blocks_by_stream ON blocks (stream_id, max_ts);
      CREATE TABLE IF NOT EXISTS block_data (
        id INTEGER PRIMARY KEY,
        data BLOB NOT NULL
      );
    `);
    this.insertBlock = db.prepare(
      `INSERT INTO blocks (stream_id, min_ts, max_ts, entries, line_bytes, trace_bloom, text_bloom, fields)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    );
    this.insertData = db.prepare('INSERT INTO block_data (id, data) VALUES (?, ?)');
    this.selectData = db.prepare('SELECT data FROM block_data WHERE id = ?', { rows: 'array' });
    this.selectRows = db.prepare(
      `SELECT id, min_ts, max_ts, entries, line_bytes FROM blocks
         WHERE stream_id = ? AND max_ts >= ? AND min_ts < ? ORDER BY min_ts, id`,
      { bigInts: true },
    );
    this.selectFilters = db.prepare(
      `SELECT id, min_ts, max_ts, entries, line_bytes, text_bloom, fields FROM blocks
         WHERE stream_id = ? AND max_ts >= ? AND min_ts < ? ORDER BY min_ts, id`,
      { bigInts: true },
    );
  }

  /** Writes a run of one stream's entries (oldest first) as blocks; returns the blocks written. */
  write(streamId: number, entries: SealedEntry[]): number {
    const blocks = splitIntoBlocks(entries);
    for (const es of blocks) {
      const enc = encodeBlock(es);
      const f = buildBlockFilters(
        es.map((e) => e.line),
        enc.lines,
        enc.lineStarts,
        enc.traceIds,
      );
      const row = this.insertBlock.get(
        streamId,
        es[0]!.ts,
        es[es.length - 1]!.ts,
        es.length,
        enc.lineStarts[es.length]!,
        f.traceBloom,
        f.textBloom,
        f.fields,
      ) as { id: number | bigint };
      this.insertData.run(row.id, enc.data);
    }
    return blocks.length;
  }

  /** A stream's blocks overlapping [from, to), oldest first (rows only). */
  rowsIn(streamId: number, from: bigint, to: bigint): BlockRow[] {
    return (this.selectRows.all(streamId, from, to) as Array<Record<string, bigint>>).map(toRow);
  }

  /** A block's data, decompressed; undefined when the block is gone (retention ran meanwhile). */
  private view(b: BlockRow, stats?: ScanStats): BlockView | undefined {
    // A read in windows of time (a metric query's, letting the event loop turn) meets the same block at
    // each window edge: the last block decoded is kept, keyed by its id and what describes its content
    // (a block is written once; retention rewrites one as a smaller block).
    const key = `${b.id}:${b.min_ts}:${b.max_ts}:${b.entries}:${b.line_bytes}`;
    if (this.last?.key === key) return this.last.view;
    const r = this.selectData.get(b.id) as [Uint8Array] | undefined;
    if (!r) return undefined;
    if (stats) {
      stats.chunksDecoded++;
      stats.compressedBytes += r[0].length;
      stats.decompressedBytes += b.line_bytes;
      stats.decompressedLines += b.entries;
    }
    // node:sqlite reads a BLOB as a Uint8Array, better-sqlite3 as a Buffer.
    const data = Buffer.isBuffer(r[0]) ? r[0] : Buffer.from(r[0].buffer, r[0].byteOffset, r[0].byteLength);
    const view = new BlockView(data);
    this.last = { key, view };
    return view;
  }

  /**
   * The blocks of a stream a read needs: those overlapping [from, to) that its filters do not rule out
   * (counted as skipped), in time order.
   */
  private candidates(streamId: number, opts: SealedReadOptions): BlockRow[] {
    const contains = opts.contains ?? [];
    const bounds = opts.fieldBounds ?? [];
    if (contains.length === 0 && bounds.length === 0) return this.rowsIn(streamId, opts.from, opts.to);
    const out: BlockRow[] = [];
    for (const r of this.selectFilters.all(streamId, opts.from, opts.to) as Array<Record<string, unknown>>) {
      const text = r.text_bloom as Uint8Array | null;
      const fields = r.fields as string | null;
      if (
        (contains.length > 0 && !mayContain(text, contains)) ||
        (bounds.length > 0 && !maySatisfy(fields, bounds))
      ) {
        if (opts.stats) opts.stats.chunksSkipped++;
        continue;
      }
      out.push(toRow(r as Record<string, bigint>));
    }
    return out;
  }

  /**
   * A stream's sealed entries in [from, to) whose lines contain every `contains` string, in time order
   * (or newest first), block by block: a reader that stops early decodes no further block.
   */
  *read(streamId: number, opts: SealedReadOptions, backward = false): Generator<SealedEntry> {
    const blocks = this.candidates(streamId, opts);
    if (backward) blocks.reverse();
    const contains = opts.contains ?? [];
    for (const b of blocks) {
      const v = this.view(b, opts.stats);
      if (!v) continue;
      const idx = v.matching(opts.from, opts.to, contains);
      if (backward) idx.reverse();
      for (const i of idx) yield v.entry(i);
    }
  }

  /** Calls `fn` for each sealed entry of a stream in [from, to) (filtered as {@link read}), in time order. */
  forEach(
    streamId: number,
    opts: SealedReadOptions,
    fn: (ts: bigint, line: string, meta: string | null) => void,
  ): void {
    const contains = opts.contains ?? [];
    for (const b of this.candidates(streamId, opts)) {
      const v = this.view(b, opts.stats);
      if (!v) continue;
      for (const i of v.matching(opts.from, opts.to, contains)) fn(v.ts(i), v.line(i), v.meta(i));
    }
  }

  /**
   * Sealed entries of these streams in [from, to) whose `trace_id` metadata is `traceId`: the blocks
   * whose trace filter may hold it are decoded, and in them only the entries holding its bytes.
   */
  byTraceId(
    streamIds: number[],
    traceId: string,
    from: bigint,
    to: bigint,
    stats?: ScanStats,
  ): Array<{ streamId: number; entry: SealedEntry }> {
    const out: Array<{ streamId: number; entry: SealedEntry }> = [];
    const blooms = this.db.prepare(
      'SELECT id, min_ts, max_ts, entries, line_bytes, trace_bloom FROM blocks WHERE stream_id = ? AND max_ts >= ? AND min_ts < ?',
      { bigInts: true },
    );
    for (const sid of streamIds) {
      for (const r of blooms.all(sid, from, to) as Array<Record<string, unknown>>) {
        if (!mayHoldTrace(r.trace_bloom as Uint8Array | null, traceId)) {
          if (stats) stats.chunksSkipped++;
          continue;
        }
        const v = this.view(toRow(r as Record<string, bigint>), stats);
        if (!v) continue;
        for (const i of v.holding(traceId)) {
          const ts = v.ts(i);
          if (ts < from || ts >= to) continue;
          const meta = v.meta(i);
          if (meta === null) continue;
          const md = JSON.parse(meta) as Record<string, unknown>;
          if (md.trace_id !== traceId) continue;
          out.push({ streamId: sid, entry: { ts, line: v.line(i), meta } });
        }
      }
    }
    return out;
  }

  /** Entries and line bytes of a stream's sealed entries in [from, to). */
  count(streamId: number, from: bigint, to: bigint): { entries: number; bytes: number } {
    let entries = 0;
    let bytes = 0;
    for (const b of this.rowsIn(streamId, from, to)) {
      if (b.min_ts >= from && b.max_ts < to) {
        entries += b.entries;
        bytes += b.line_bytes;
        continue;
      }
      const v = this.view(b);
      if (!v) continue;
      const lo = v.lowerBound(from);
      const hi = v.lowerBound(to);
      entries += hi - lo;
      bytes += v.lineStarts[hi]! - v.lineStarts[lo]!;
    }
    return { entries, bytes };
  }

  /** Oldest and newest sealed timestamps of a stream (null when it has none). */
  bounds(streamId: number): { lo: bigint | null; hi: bigint | null } {
    return this.db
      .prepare('SELECT MIN(min_ts) AS lo, MAX(max_ts) AS hi FROM blocks WHERE stream_id = ?', {
        bigInts: true,
      })
      .get(streamId) as { lo: bigint | null; hi: bigint | null };
  }

  /**
   * Deletes a stream's sealed entries older than `cutoff`; a block across the cutoff is rewritten with
   * its newer part. Returns the entries deleted.
   */
  deleteOlderThan(streamId: number, cutoff: bigint): number {
    let deleted = 0;
    const gone = this.db
      .prepare('DELETE FROM blocks WHERE stream_id = ? AND max_ts < ? RETURNING id, entries', {
        rows: 'array',
      })
      .all(streamId, cutoff) as Array<[number, number]>;
    const delData = this.db.prepare('DELETE FROM block_data WHERE id = ?');
    for (const [id, n] of gone) {
      delData.run(id);
      deleted += n;
    }
    for (const b of this.rowsIn(streamId, 0n, cutoff)) {
      const v = this.view(b);
      if (!v) continue;
      const keepFrom = v.lowerBound(cutoff);
      deleted += keepFrom;
      this.db.prepare('DELETE FROM blocks WHERE id = ?').run(b.id);
      delData.run(b.id);
      const keep: SealedEntry[] = [];
      for (let i = keepFrom; i < v.length; i++) keep.push(v.entry(i));
      if (keep.length > 0) this.write(streamId, keep);
    }
    return deleted;
  }

  /** Bytes each stream holds in sealed blocks (data, filters and a fixed per-block overhead). */
  bytesByStream(): Array<{ stream_id: number; b: number }> {
    return this.db
      .prepare(
        `SELECT b.stream_id AS stream_id,
                SUM(length(d.data) + COALESCE(length(b.trace_bloom), 0) + COALESCE(length(b.text_bloom), 0)
                    + COALESCE(length(b.fields), 0) + 64) AS b
           FROM blocks b JOIN block_data d ON d.id = b.id GROUP BY b.stream_id`,
      )
      .all() as Array<{ stream_id: number; b: number }>;
  }
}

function toRow(r: Record<string, unknown>): BlockRow {
  return {
    id: Number(r.id),
    min_ts: r.min_ts as bigint,
    max_ts: r.max_ts as bigint,
    entries: Number(r.entries),
    line_bytes: Number(r.line_bytes),
  };
}
