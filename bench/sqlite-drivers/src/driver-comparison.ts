// The figures of one benchmark measured on every SQLite driver, side by side: each round runs every driver
// on the same data (in alternating order, so neither always runs on a warmer or busier machine), each figure
// keeps the best of its rounds, and the table prints node:sqlite / better-sqlite3 beside the target.
import { parseSqliteDriver, SQLITE_DRIVERS, type SqliteDriverName } from '@opsight/sqlite';

/** One row of the comparison. */
export interface Figure {
  /** What is measured, e.g. `ingest lines/s`. */
  name: string;
  /** Whether a larger value is the better one (rates), or a smaller one (times, bytes, memory). */
  better: 'higher' | 'lower';
  /** How a value is printed. @default two decimals */
  format?: (value: number) => string;
  /** The target the figure is held to, as printed, e.g. `>= 100,000`. @default '' */
  target?: string;
  /** Whether a value meets the target. @default none (no verdict printed) */
  meets?: (value: number) => boolean;
}

/** A table cell's text, its pipes (LogQL's `|=`, `| json`) escaped. */
const escapeCell = (text: string): string => text.replaceAll('|', '\\|');

/** Ratios within this distance of 1 are reported as even. */
export const EVEN_WITHIN = 0.1;

/**
 * The drivers a run measures, from a comma list such as `BENCH_DRIVERS=better-sqlite3` (each name checked);
 * every driver when the list is absent or empty.
 */
export function driversToMeasure(list: string | undefined): SqliteDriverName[] {
  const names = (list ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '');
  if (names.length === 0) return [...SQLITE_DRIVERS];
  const chosen = new Set(names.map(parseSqliteDriver));
  return SQLITE_DRIVERS.filter((d) => chosen.has(d));
}

/**
 * The drivers in the order round `round` (from 0) runs them: the first one alternates.
 * @param drivers the drivers measured. @default every driver
 */
export function driversInRound(
  round: number,
  drivers: readonly SqliteDriverName[] = SQLITE_DRIVERS,
): SqliteDriverName[] {
  return round % 2 === 0 ? [...drivers] : [...drivers].reverse();
}

/** Collects the figures of every round and driver, keeping each one's best. */
export class DriverComparison {
  private readonly figures: Figure[] = [];
  private readonly best = new Map<string, Map<SqliteDriverName, number>>();

  /** Records one value of a figure (declared by its first record) for one driver. */
  record(driver: SqliteDriverName, figure: Figure, value: number): void {
    let byDriver = this.best.get(figure.name);
    if (!byDriver) {
      byDriver = new Map();
      this.best.set(figure.name, byDriver);
      this.figures.push(figure);
    }
    const held = byDriver.get(driver);
    const better = figure.better === 'higher' ? value > (held ?? -Infinity) : value < (held ?? Infinity);
    if (held === undefined || better) byDriver.set(driver, value);
  }

  /** The best value of a figure for a driver, or undefined if none was recorded. */
  bestOf(name: string, driver: SqliteDriverName): number | undefined {
    return this.best.get(name)?.get(driver);
  }

  /**
   * node:sqlite / better-sqlite3 of a figure's best values, and whether node:sqlite measured as well:
   * `even` within {@link EVEN_WITHIN}, else `better` or `worse`.
   */
  ratio(name: string): { ratio: number; verdict: 'even' | 'better' | 'worse' } | undefined {
    const figure = this.figures.find((f) => f.name === name);
    const node = this.bestOf(name, 'node:sqlite');
    const native = this.bestOf(name, 'better-sqlite3');
    if (!figure || node === undefined || native === undefined || native === 0) return undefined;
    const ratio = node / native;
    if (Math.abs(ratio - 1) <= EVEN_WITHIN) return { ratio, verdict: 'even' };
    const nodeAhead = figure.better === 'higher' ? ratio > 1 : ratio < 1;
    return { ratio, verdict: nodeAhead ? 'better' : 'worse' };
  }

  /**
   * The comparison as a Markdown table, one row per figure in the order they were first recorded: a column
   * per driver, and the ratio when both drivers are shown.
   * @param drivers the drivers given a column (a run that measured one driver shows only that one).
   * @default every driver
   */
  table(drivers: readonly SqliteDriverName[] = SQLITE_DRIVERS): string {
    const both = SQLITE_DRIVERS.every((d) => drivers.includes(d));
    const shown = SQLITE_DRIVERS.filter((d) => drivers.includes(d));
    const head = ['measure', ...shown, ...(both ? ['node:sqlite / better-sqlite3'] : []), 'target'];
    const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
    for (const f of this.figures) {
      const cell = (driver: SqliteDriverName): string => {
        const v = this.bestOf(f.name, driver);
        if (v === undefined) return 'n/a';
        const text = (f.format ?? ((x: number) => x.toFixed(2)))(v);
        return f.meets ? `${text} (${f.meets(v) ? 'meets' : 'MISSES'})` : text;
      };
      const r = this.ratio(f.name);
      const ratio = r ? `${r.ratio.toFixed(2)} (${r.verdict}, ${f.better} is better)` : 'n/a';
      const cells = [f.name, ...shown.map(cell), ...(both ? [ratio] : []), f.target ?? ''];
      lines.push(`| ${cells.map(escapeCell).join(' | ')} |`);
    }
    return lines.join('\n');
  }
}
