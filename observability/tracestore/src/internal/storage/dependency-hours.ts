// Service dependencies by the hour, maintained at ingest. A call is a child span whose parent span (same
// trace) belongs to another service; it is counted in the hour its child span starts. Each stored span is
// matched at ingest with its parent (one primary-key lookup, none when the parent is in the same batch) and
// with the children that arrived before it: a child whose parent is not stored yet waits in
// `dependency_orphans` until the parent arrives, so the counts do not depend on the order spans arrive in.
//
// A query reads the hours it covers from `dependency_hours`; an hour it only partly covers is read from the
// table too when no span starts in the part left out; else, when the query covers most of the hour, the
// calls of the part left out are counted by a join over its spans and subtracted, and otherwise the part
// covered is counted by the join.
// Retention marks the hours it deleted from as dirty (`dependency_hours_dirty`); a dirty hour is recounted by
// the join the first time a query covers it. Age retention marks the hour of its cutoff and the next one: a
// call whose parent started more than an hour before the cutoff and whose child after it stays counted in
// the child's hour once the parent is deleted (a join would no longer see it).
import type { SqliteDatabase, SqliteStatement } from '@opsight/sqlite';
import type { IngestSpan } from '../otlp/ingest-batch.js';

export const hourNs = 3_600_000_000_000n;

export interface DependencyCount {
  parent: string;
  child: string;
  callCount: number;
}

/** A stored span as the dependency counts need it. */
export interface DependencySpan {
  span: IngestSpan;
  service: string;
}

interface Orphan {
  parentSpanId: Buffer;
  hour: bigint;
  child: string;
}

/** The tables; created with the store's schema (see schema.ts). */
export const dependencyTablesSql = `
  CREATE TABLE IF NOT EXISTS dependency_hours (
    hour INTEGER NOT NULL,
    parent TEXT NOT NULL,
    child TEXT NOT NULL,
    calls INTEGER NOT NULL,
    PRIMARY KEY (hour, parent, child)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS dependency_orphans (
    trace_id BLOB NOT NULL,
    parent_span_id BLOB NOT NULL,
    child_span_id BLOB NOT NULL,
    hour INTEGER NOT NULL,
    child TEXT NOT NULL,
    PRIMARY KEY (trace_id, parent_span_id, child_span_id)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS dependency_hours_dirty (hour INTEGER PRIMARY KEY);
`;

const joinSql = `SELECT c.start_ns / ${hourNs} AS hour, p.service AS parent, c.service AS child, count(*) AS calls
  FROM spans c JOIN spans p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id
  WHERE c.start_ns BETWEEN ? AND ? AND c.parent_span_id IS NOT NULL AND p.service != c.service
  GROUP BY 1, 2, 3`;

const orphansSql = `SELECT c.trace_id, c.parent_span_id, c.span_id, c.start_ns / ${hourNs}, c.service FROM spans c
  WHERE c.start_ns BETWEEN ? AND ? AND c.parent_span_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM spans p WHERE p.trace_id = c.trace_id AND p.span_id = c.parent_span_id)`;

/** Fills the tables from the stored spans (a store written before they were maintained). */
export function backfillDependencyHours(db: SqliteDatabase): void {
  const all = [-(2n ** 63n), 2n ** 63n - 1n];
  db.exec('DELETE FROM dependency_hours; DELETE FROM dependency_orphans; DELETE FROM dependency_hours_dirty');
  db.prepare(`INSERT INTO dependency_hours (hour, parent, child, calls) ${joinSql}`).run(...all);
  db.prepare(
    `INSERT OR IGNORE INTO dependency_orphans (trace_id, parent_span_id, child_span_id, hour, child) ${orphansSql}`,
  ).run(...all);
  db.exec('DROP TABLE IF EXISTS dependency_hours_done');
}

export class DependencyHours {
  private readonly dirty = new Set<bigint>();
  private readonly stmts: Record<string, SqliteStatement>;

  constructor(private readonly db: SqliteDatabase) {
    this.stmts = {
      live: db.prepare(
        `SELECT parent, child, sum(calls) AS callCount FROM (${joinSql}) GROUP BY parent, child`,
      ),
      stored: db.prepare('SELECT parent, child, calls AS callCount FROM dependency_hours WHERE hour = ?'),
      anySpan: db.prepare('SELECT 1 FROM spans WHERE start_ns BETWEEN ? AND ? LIMIT 1', { rows: 'first' }),
      parentService: db.prepare('SELECT service FROM spans WHERE trace_id = ? AND span_id = ?', {
        rows: 'first',
      }),
      waiting: db.prepare(
        'SELECT parent_span_id AS parentSpanId, hour, child FROM dependency_orphans WHERE trace_id = ?',
        { bigInts: true },
      ),
      adopt: db.prepare('DELETE FROM dependency_orphans WHERE trace_id = ? AND parent_span_id = ?'),
      orphan: db.prepare(
        `INSERT OR IGNORE INTO dependency_orphans (trace_id, parent_span_id, child_span_id, hour, child)
         VALUES (?, ?, ?, ?, ?)`,
      ),
      add: db.prepare(
        `INSERT INTO dependency_hours (hour, parent, child, calls) VALUES (?, ?, ?, ?)
         ON CONFLICT (hour, parent, child) DO UPDATE SET calls = calls + excluded.calls`,
      ),
      recount: db.prepare(`INSERT INTO dependency_hours (hour, parent, child, calls) ${joinSql}`),
      forgetHour: db.prepare('DELETE FROM dependency_hours WHERE hour = ?'),
      forgetBefore: db.prepare('DELETE FROM dependency_hours WHERE hour < ?'),
      orphansBefore: db.prepare('DELETE FROM dependency_orphans WHERE hour < ?'),
      staleOrphans: db.prepare(
        `DELETE FROM dependency_orphans WHERE hour = ? AND NOT EXISTS
           (SELECT 1 FROM spans s WHERE s.trace_id = dependency_orphans.trace_id
              AND s.span_id = dependency_orphans.child_span_id)`,
      ),
      orphansOfDoomed: db.prepare(
        'DELETE FROM dependency_orphans WHERE trace_id IN (SELECT trace_id FROM temp.doomed_traces)',
      ),
      markDirty: db.prepare('INSERT OR IGNORE INTO dependency_hours_dirty (hour) VALUES (?)'),
      clearDirty: db.prepare('DELETE FROM dependency_hours_dirty WHERE hour = ?'),
      allDirty: db.prepare('SELECT hour FROM dependency_hours_dirty', { rows: 'first', bigInts: true }),
    };
    for (const hour of this.stmts.allDirty!.all() as bigint[]) this.dirty.add(hour);
  }

  /**
   * Counts the calls of spans just stored (inside the transaction that stored them, after their rows were
   * inserted): each span with its parent, and each span with the children that waited for it.
   */
  added(spans: DependencySpan[]): void {
    const s = this.stmts;
    const inBatch = new Map<string, string>();
    const traces = new Map<string, Buffer>();
    for (const { span, service } of spans) {
      const trace = span.traceId.toString('latin1');
      inBatch.set(trace + span.spanId.toString('latin1'), service);
      traces.set(trace, span.traceId);
    }
    const counts = new Map<string, { hour: bigint; parent: string; child: string; calls: number }>();
    const count = (hour: bigint, parent: string, child: string): void => {
      if (parent === child) return;
      const key = `${hour}\0${parent}\0${child}`;
      const c = counts.get(key);
      if (c) c.calls++;
      else counts.set(key, { hour, parent, child, calls: 1 });
    };
    // Children that waited for a parent: one lookup per trace of the batch, matched in memory.
    for (const traceId of traces.values()) {
      const waiting = s.waiting!.all(traceId) as Orphan[];
      if (waiting.length === 0) continue;
      const trace = traceId.toString('latin1');
      const adopted = new Set<string>();
      for (const orphan of waiting) {
        const parentKey = orphan.parentSpanId.toString('latin1');
        const parent = inBatch.get(trace + parentKey);
        if (parent === undefined) continue;
        count(orphan.hour, parent, orphan.child);
        if (!adopted.has(parentKey)) {
          adopted.add(parentKey);
          s.adopt!.run(traceId, orphan.parentSpanId);
        }
      }
    }
    for (const { span, service } of spans) {
      if (!span.parentSpanId) continue;
      const hour = span.startNs / hourNs;
      const parent =
        inBatch.get(span.traceId.toString('latin1') + span.parentSpanId.toString('latin1')) ??
        (s.parentService!.get(span.traceId, span.parentSpanId) as string | undefined);
      if (parent !== undefined) count(hour, parent, service);
      else s.orphan!.run(span.traceId, span.parentSpanId, span.spanId, hour, service);
    }
    for (const c of counts.values()) s.add!.run(c.hour, c.parent, c.child, c.calls);
  }

  private markDirty(hour: bigint): void {
    if (this.dirty.has(hour)) return;
    this.dirty.add(hour);
    this.stmts.markDirty!.run(hour);
  }

  /** After age retention deleted every span starting before `cutoffNs`. */
  deletedBefore(cutoffNs: bigint): void {
    const hour = cutoffNs / hourNs;
    this.stmts.forgetBefore!.run(hour);
    this.stmts.orphansBefore!.run(hour);
    for (const h of this.dirty) {
      if (h < hour) {
        this.dirty.delete(h);
        this.stmts.clearDirty!.run(h);
      }
    }
    this.markDirty(hour);
    this.markDirty(hour + 1n);
  }

  /**
   * After whole traces (those in temp.doomed_traces) were deleted, their spans starting in [fromNs, toNs]:
   * no call of a remaining span changed, so only the hours of the deleted spans are recounted.
   */
  deletedTraces(fromNs: bigint, toNs: bigint): void {
    this.stmts.orphansOfDoomed!.run();
    for (let hour = fromNs / hourNs; hour <= toNs / hourNs; hour++) this.markDirty(hour);
  }

  /** Recounts a dirty hour by the join. */
  private recount(hour: bigint): void {
    const s = this.stmts;
    const start = hour * hourNs;
    this.db.transaction(() => {
      s.forgetHour!.run(hour);
      s.recount!.run(start, start + hourNs - 1n);
      s.staleOrphans!.run(hour);
      s.clearDirty!.run(hour);
    })();
    this.dirty.delete(hour);
  }

  /** Whether a span starts in [fromNs, toNs] (empty when toNs < fromNs). */
  private anySpan(fromNs: bigint, toNs: bigint): boolean {
    return toNs >= fromNs && this.stmts.anySpan!.get(fromNs, toNs) !== undefined;
  }

  /** Calls from parent to child service among child spans starting in [startNs, endNs]. */
  count(startNs: bigint, endNs: bigint): DependencyCount[] {
    const totals = new Map<string, DependencyCount>();
    const add = (rows: DependencyCount[], sign = 1): void => {
      for (const row of rows) {
        const key = `${row.parent}\0${row.child}`;
        const total = totals.get(key);
        const calls = sign * Number(row.callCount);
        if (total) total.callCount += calls;
        else totals.set(key, { parent: row.parent, child: row.child, callCount: calls });
      }
    };
    let cursor = startNs;
    while (cursor <= endNs) {
      const hour = cursor / hourNs;
      const hourStart = hour * hourNs;
      const hourEnd = hourStart + hourNs - 1n;
      const to = hourEnd < endNs ? hourEnd : endNs;
      if (this.dirty.has(hour)) this.recount(hour);
      const before = this.anySpan(hourStart, cursor - 1n);
      const after = this.anySpan(to + 1n, hourEnd);
      if (!before && !after) {
        add(this.stmts.stored!.all(hour) as DependencyCount[]);
      } else if (to - cursor > hourNs / 2n) {
        // Most of the hour: its row set less the calls of the parts left out (each exact, both by the join).
        add(this.stmts.stored!.all(hour) as DependencyCount[]);
        if (before) add(this.stmts.live!.all(hourStart, cursor - 1n) as DependencyCount[], -1);
        if (after) add(this.stmts.live!.all(to + 1n, hourEnd) as DependencyCount[], -1);
      } else {
        add(this.stmts.live!.all(cursor, to) as DependencyCount[]);
      }
      cursor = hourEnd + 1n;
    }
    return [...totals.values()]
      .filter((t) => t.callCount > 0)
      .sort((a, b) => a.parent.localeCompare(b.parent) || a.child.localeCompare(b.child));
  }
}
