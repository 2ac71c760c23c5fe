// The rows of the bench's table: each one a figure (what is measured, its target, and so its verdict) with
// the value one run measured. The figures the store is held to come first, in one place with their targets;
// the figures that explain them (CPU, sizes, memory) follow without a target.
import type { Figure } from '@opsight/bench-sqlite-drivers';

/** One row of the table: what is measured, its target and verdict (the figure), and the value measured. */
export interface Row {
  figure: Figure;
  value: number;
}

/** Where a query reads: rows just pushed (the head), or chunks once sealed. */
export type Phase = 'rows' | 'sealed';

/** The targets the store is held to. */
export const TARGETS = {
  /** Log ingest, lines per second at least. */
  ingestLinesPerSecond: 200_000,
  /** A selector's newest 100 lines, ms at most. */
  selectorMs: 10,
  /** `|=` over every line, at least this share of `grep -c`'s throughput over the same lines. */
  lineFilterShareOfGrep: 0.5,
  /** The unwrap rate query over 1 h at a 1 m step, ms at most. */
  unwrapRateMs: 500,
  /** One `{trace_id="…"}` lookup, ms at most. */
  traceLookupMs: 5,
  /** Stored bytes per line once sealed: at most the line's bytes divided by this. */
  sealedCompression: 5,
  /** Push p99 while a heavy query runs: at most this many times its idle value … */
  pushUnderQueryVsIdle: 2,
  /** … and at most this many ms. */
  pushUnderQueryMs: 50,
} as const;

/** The queries the bench times, as LogQL. */
export const QUERIES = {
  selector: '{app="model-router", level="ERROR"}',
  lineFilter: '{namespace="prod"} |= "needle"',
  unwrapRate: 'sum(rate({app="api-service"} | json | unwrap latency_ms [1m])) by (path)',
} as const;

/** A query's median time and how many lines or series it answered. */
export interface Timed {
  ms: number;
  /** Lines (log queries) or series (metric queries) in the answer. */
  found: number;
}

/** The query figures of one phase. */
export interface QueryFigures {
  selector: Timed;
  lineFilter: Timed;
  unwrapRate: Timed;
  traceLookup: Timed;
}

/** What one run (one store, one driver) measured. */
export interface RunFigures {
  ingest: { linesPerSecond: number; mbPerSecond: number; cpuUsPerLine: number };
  /** Database bytes in use per line, as rows and once sealed. */
  bytesPerLine: Record<Phase, number>;
  sealLinesPerSecond: number;
  queries: Record<Phase, QueryFigures>;
  rssMiB: number;
}

/** What the rows are measured against. */
export interface Baseline {
  /** `grep -c needle` over the same lines in a file, best of 3, ms. */
  grepMs: number;
  /** Mean bytes of a line. */
  lineBytes: number;
}

const int = (v: number) => Math.round(v).toLocaleString('en');
const ms0 = (v: number) => `${v.toFixed(0)} ms`;
const ms1 = (v: number) => `${v.toFixed(1)} ms`;
const atMost = (n: number) => (v: number) => v <= n;
const atLeast = (n: number) => (v: number) => v >= n;
const named = (phase: Phase, what: string) => `${what}, ${phase}`;

export function ingestRate(linesPerSecond: number): Row {
  const n = TARGETS.ingestLinesPerSecond;
  return {
    figure: {
      name: 'log ingest',
      better: 'higher',
      format: (v) => `${int(v)} lines/s`,
      target: `≥ ${int(n)} lines/s`,
      meets: atLeast(n),
    },
    value: linesPerSecond,
  };
}

export function selectorNewest100(phase: Phase, t: Timed): Row {
  return {
    figure: {
      name: named(phase, `selector ${QUERIES.selector}, newest 100 (${t.found} lines)`),
      better: 'lower',
      format: ms1,
      target: `≤ ${TARGETS.selectorMs} ms`,
      meets: atMost(TARGETS.selectorMs),
    },
    value: t.ms,
  };
}

/** `|=` over every line as a share of grep's throughput (grep's time / the query's), both held to one bar. */
export function lineFilterVsGrep(phase: Phase, t: Timed, base: Baseline): Row {
  const share = TARGETS.lineFilterShareOfGrep;
  return {
    figure: {
      name: named(phase, `${QUERIES.lineFilter} over every line (${t.found} hits) vs grep -c`),
      better: 'higher',
      format: (v) => `${v.toFixed(2)}× grep (${(base.grepMs / v).toFixed(0)} ms)`,
      target: `≥ ${share}× grep: ≤ ${(base.grepMs / share).toFixed(0)} ms (grep -c: ${base.grepMs.toFixed(0)} ms)`,
      meets: atLeast(share),
    },
    value: base.grepMs / t.ms,
  };
}

export function unwrapRate(phase: Phase, t: Timed): Row {
  return {
    figure: {
      name: named(phase, `${QUERIES.unwrapRate}, 1 h at a 1 m step (${t.found} series)`),
      better: 'lower',
      format: ms0,
      target: `≤ ${TARGETS.unwrapRateMs} ms`,
      meets: atMost(TARGETS.unwrapRateMs),
    },
    value: t.ms,
  };
}

export function traceLookup(phase: Phase, t: Timed): Row {
  return {
    figure: {
      name: named(phase, `{trace_id="…"} (${t.found} line)`),
      better: 'lower',
      format: ms1,
      target: `≤ ${TARGETS.traceLookupMs} ms`,
      meets: atMost(TARGETS.traceLookupMs),
    },
    value: t.ms,
  };
}

export function sealedBytesPerLine(bytesPerLine: number, base: Baseline): Row {
  const most = base.lineBytes / TARGETS.sealedCompression;
  return {
    figure: {
      name: `stored bytes per line, sealed (line: ${base.lineBytes.toFixed(0)} B)`,
      better: 'lower',
      format: (v) => `${v.toFixed(0)} B (${(base.lineBytes / v).toFixed(1)}×)`,
      target: `≤ ${most.toFixed(0)} B (${TARGETS.sealedCompression}×)`,
      meets: atMost(most),
    },
    value: bytesPerLine,
  };
}

/** The rows of the store's targets, in order: each query over rows, then sealed. */
export function targetRows(f: RunFigures, base: Baseline): Row[] {
  const phases: Phase[] = ['rows', 'sealed'];
  return [
    ingestRate(f.ingest.linesPerSecond),
    ...phases.map((p) => selectorNewest100(p, f.queries[p].selector)),
    ...phases.map((p) => lineFilterVsGrep(p, f.queries[p].lineFilter, base)),
    ...phases.map((p) => unwrapRate(p, f.queries[p].unwrapRate)),
    ...phases.map((p) => traceLookup(p, f.queries[p].traceLookup)),
    sealedBytesPerLine(f.bytesPerLine.sealed, base),
  ];
}

/** The rows that explain the targets' figures, without targets of their own. */
export function detailRows(f: RunFigures, base: Baseline): Row[] {
  const line = base.lineBytes.toFixed(0);
  return [
    {
      figure: {
        name: 'ingest MB/s of line bytes',
        better: 'higher',
        format: (v) => v.toFixed(1),
        target: '> 4 (Loki default per-tenant limit)',
        meets: (v) => v > 4,
      },
      value: f.ingest.mbPerSecond,
    },
    {
      figure: { name: 'ingest: store CPU µs per line (/proc)', better: 'lower', format: (v) => v.toFixed(2) },
      value: f.ingest.cpuUsPerLine,
    },
    {
      figure: { name: `stored bytes per line, rows (line: ${line} B)`, better: 'lower', format: int },
      value: f.bytesPerLine.rows,
    },
    {
      figure: { name: 'sealing into compressed chunks, lines/s', better: 'higher', format: int },
      value: f.sealLinesPerSecond,
    },
    {
      figure: { name: 'store RSS after ingest and queries, MiB', better: 'lower', format: int },
      value: f.rssMiB,
    },
  ];
}
