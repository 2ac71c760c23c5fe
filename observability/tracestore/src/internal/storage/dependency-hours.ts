// Service dependencies by the hour. Calls between services are counted by joining each child span to its
// parent span; for a week of traces that join reads every span of the week, so the counts of each
// complete hour are kept once computed. An hour's counts are dropped again when a span starting in that
// hour arrives late, or when retention deletes spans from it; the current hour is always counted live.
import type { SqliteDatabase } from '@opsight/sqlite';

export const hourNs = 3_600_000_000_000n;

/** Counts settle this long after an hour ends before they are kept. @default 5 minutes */
const settleNs = 300_000_000_000n;

export interface DependencyCount {
  parent: string;
  child: string;
  callCount: number;
}

export class DependencyHours {
  private readonly done = new Set<bigint>();
  private readonly stmts;

  constructor(private readonly db: SqliteDatabase) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS dependency_hours (
        hour INTEGER NOT NULL,
        parent TEXT NOT NULL,
        child TEXT NOT NULL,
        calls INTEGER NOT NULL,
        PRIMARY KEY (hour, parent, child)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS dependency_hours_done (hour INTEGER PRIMARY KEY);
    `);
    this.stmts = {
      live: db.prepare(
        `SELECT p.service AS parent, c.service AS child, count(*) AS callCount
         FROM spans c JOIN spans p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id
         WHERE c.start_ns BETWEEN ? AND ? AND c.parent_span_id IS NOT NULL AND p.service != c.service
         GROUP BY p.service, c.service`,
      ),
      cached: db.prepare('SELECT parent, child, calls AS callCount FROM dependency_hours WHERE hour = ?'),
      insert: db.prepare('INSERT INTO dependency_hours (hour, parent, child, calls) VALUES (?, ?, ?, ?)'),
      markDone: db.prepare('INSERT OR IGNORE INTO dependency_hours_done (hour) VALUES (?)'),
      forget: db.prepare('DELETE FROM dependency_hours WHERE hour = ?'),
      forgetDone: db.prepare('DELETE FROM dependency_hours_done WHERE hour = ?'),
      allDone: db.prepare('SELECT hour FROM dependency_hours_done', { rows: 'first', bigInts: true }),
    };
    for (const hour of this.stmts.allDone.all() as bigint[]) this.done.add(hour);
  }

  /** Drops kept counts of the hours in which spans were added or deleted (start times in ns). */
  invalidate(fromNs: bigint, toNs: bigint): void {
    if (this.done.size === 0) return;
    for (let hour = fromNs / hourNs; hour <= toNs / hourNs; hour++) {
      if (!this.done.has(hour)) continue;
      this.done.delete(hour);
      this.stmts.forget.run(hour);
      this.stmts.forgetDone.run(hour);
    }
  }

  /** Calls from parent to child service among child spans starting in [startNs, endNs]. */
  count(startNs: bigint, endNs: bigint, nowNs: bigint): DependencyCount[] {
    const totals = new Map<string, DependencyCount>();
    const add = (rows: DependencyCount[]): void => {
      for (const row of rows) {
        const key = `${row.parent}\0${row.child}`;
        const total = totals.get(key);
        if (total) total.callCount += row.callCount;
        else totals.set(key, { ...row });
      }
    };
    let cursor = startNs;
    while (cursor <= endNs) {
      const hour = cursor / hourNs;
      const hourStart = hour * hourNs;
      const hourEnd = hourStart + hourNs - 1n;
      const whole = cursor === hourStart && hourEnd <= endNs;
      if (whole && this.done.has(hour)) {
        add(this.stmts.cached.all(hour) as DependencyCount[]);
      } else if (whole && hourEnd + settleNs < nowNs) {
        const rows = this.stmts.live.all(hourStart, hourEnd) as DependencyCount[];
        this.db.transaction(() => {
          for (const row of rows) this.stmts.insert.run(hour, row.parent, row.child, row.callCount);
          this.stmts.markDone.run(hour);
        })();
        this.done.add(hour);
        add(rows);
      } else {
        add(this.stmts.live.all(cursor, hourEnd < endNs ? hourEnd : endNs) as DependencyCount[]);
      }
      cursor = hourEnd + 1n;
    }
    return [...totals.values()].sort(
      (a, b) => a.parent.localeCompare(b.parent) || a.child.localeCompare(b.child),
    );
  }
}
