// What one running query carries through its execution: its tenant and limits, its deadline and cancel
// signal, the step grid being evaluated, and the counts and stage times its `stats` block reports.
import type { ErrorCode } from '../error-codes.js';
import type { Labels } from '../labels.js';
import type { Limits } from '../limits.js';
import { newScanStats, type ScanStats } from '../storage/scan-stats.js';

export class QueryError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    /** The offending parameter, where one is to blame. */
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * Time a query runs before it lets the event loop turn (pushes, other queries, a client's disconnect),
 * ms. It checks its cancel signal and deadline at each turn.
 */
export const QUERY_SLICE_MS = 20;

/** A series of a metric query: one value per step of the grid, NaN where it has none. */
export interface Series {
  labels: Labels;
  values: Float64Array;
}

/** What a metric expression evaluates to. */
export type Value = { kind: 'vector'; series: Series[] } | { kind: 'scalar'; value: number };

/** Seconds spent in each stage of a query, summed over its splits. */
export interface StageTimes {
  /** Parsing and planning. */
  plan: number;
  /** Log selection: stream matching, reads, the pipeline (and sample extraction in metric queries). */
  select: number;
  /** Range aggregation over the extracted samples, window by window. */
  rangeAggregation: number;
  /** Vector aggregation, binary operations and label_replace. */
  vectorAggregation: number;
}

export class QueryContext {
  /** Lines read from the storage and run through a pipeline. */
  lines = 0;
  /** Their bytes. */
  bytes = 0;
  /** Lines that came out of a pipeline. */
  postFilterLines = 0;
  /** What the storage read for this query. */
  readonly scan: ScanStats = newScanStats();
  readonly stages: StageTimes = { plan: 0, select: 0, rangeAggregation: 0, vectorAggregation: 0 };
  readonly deadline: number;
  /** Step timestamps in ns, of the split being evaluated. */
  steps: bigint[] = [];
  /** The window of time a metric query's read of a stream takes at a time, ns (see forEachSelected). */
  readWindow = 0n;
  private sliceStart = performance.now();

  constructor(
    readonly tenant: string,
    readonly limits: Limits,
    private readonly signal: AbortSignal | undefined,
    deadline: number | undefined,
  ) {
    this.deadline = deadline ?? Date.now() + limits.query_timeout_ms;
  }

  /** The deadline check of the inner loops, every 1024 lines. */
  tick(): void {
    if ((this.lines & 1023) === 0) this.check();
  }

  /** Throws when the query is past its deadline or its client has gone away. */
  check(): void {
    if (this.signal?.aborted)
      throw new QueryError(499, 'QUERY_CANCELLED', 'the request was cancelled by the client');
    if (Date.now() >= this.deadline) {
      throw new QueryError(
        504,
        'QUERY_TIMEOUT',
        `query timed out after ${this.limits.query_timeout_ms}ms (query_timeout)`,
      );
    }
  }

  /** Whether the query has run {@link QUERY_SLICE_MS} since it last let the event loop turn. */
  sliceSpent(): boolean {
    return performance.now() - this.sliceStart >= QUERY_SLICE_MS;
  }

  /**
   * Between reads: once the query has run {@link QUERY_SLICE_MS}, lets the event loop turn (so a push or a
   * disconnect is seen), then checks the deadline and the cancel signal.
   */
  async checkpoint(): Promise<void> {
    if (!this.sliceSpent()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
    this.check();
  }
}
