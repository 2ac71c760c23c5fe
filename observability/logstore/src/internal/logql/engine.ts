// Runs LogQL queries against the storage: parse, plan (plan.ts), then execute as Loki splits execution —
// log selection (log-selection.ts), range aggregation, vector aggregation and binary operations. Log
// queries return streams; metric queries return a vector (instant) or a matrix (range) evaluated on the
// step grid, a range query interval by interval when the plan splits it.
import { formatDuration } from '@opsight/contracts/codecs';
import { formatLabels, type Labels } from '../labels.js';
import type { Limits } from '../limits.js';
import type { LogStorage, StreamInfo } from '../storage/log-storage.js';
import type { ScanStats } from '../storage/scan-stats.js';
import type { LabelMatcher, MetricExpr, Query } from './ast.js';
import { binary, labelReplace } from './binary-operations.js';
import { matchStreams, type StreamsResult, selectLogs } from './log-selection.js';
import { parseQuery } from './parse.js';
import { ParseError, UnsupportedError } from './parse-error.js';
import {
  DEFAULT_SPLIT_INTERVAL_NS,
  type PlanOptions,
  type PlanSummary,
  planQuery,
  planSelection,
  type QueryPlan,
  type Selection,
  type StreamCatalog,
  summarizePlan,
} from './plan.js';
import { QueryContext, QueryError, type Series, type StageTimes, type Value } from './query-context.js';
import { rangeAggregation } from './range-aggregation.js';
import { subqueryParams } from './subqueries.js';
import { vectorAggregation } from './vector-aggregation.js';

export type { StreamsResult } from './log-selection.js';
export { QUERY_SLICE_MS, QueryError } from './query-context.js';

export interface QueryParams {
  query: string;
  /** Inclusive start and end, ns. For an instant query both are the evaluation time. */
  start: bigint;
  end: bigint;
  /** Step in ns (range queries). */
  step: bigint;
  limit: number;
  direction: 'forward' | 'backward';
  instant: boolean;
  /** When the query must stop, ms since the epoch. @default now + the tenant's query_timeout_ms */
  deadline?: number;
  /** Aborted when the client goes away: the query stops at its next check. */
  signal?: AbortSignal;
}

export type QueryData =
  | { resultType: 'streams'; result: StreamsResult }
  | { resultType: 'matrix'; result: Array<{ metric: Labels; values: Array<[number, string]> }> }
  | { resultType: 'vector'; result: Array<{ metric: Labels; value: [number, string] }> }
  | { resultType: 'scalar'; result: [number, string] };

/** What a query cost: the engine's counts, the storage's reads, the time of each stage, and its plan. */
export interface QueryStats {
  /** Lines read and run through a pipeline. */
  linesProcessed: number;
  /** Their bytes (UTF-16 code units, as read). */
  bytesProcessed: number;
  /** Lines a pipeline kept. */
  postFilterLines: number;
  /** Entries a log query returned. */
  entriesReturned: number;
  execTimeSeconds: number;
  /**
   * Seconds the query waited before it ran: for its tenant's turn and for a free query worker (set by the
   * store around the engine; 0 from the engine alone).
   */
  queueTimeSeconds?: number;
  /** What the storage read. */
  store: ScanStats;
  /** Seconds in each stage. */
  stages: StageTimes;
  /** The plan, as a user reads it. */
  plan: PlanSummary;
}

/** Most points a range query may evaluate per series (Loki's and Prometheus' limit). */
const MAX_POINTS = 11000n;

export class QueryEngine {
  /**
   * @param storage the log storage queries read (the engine depends on nothing else)
   * @param limitsFor the limits of a tenant
   * @param options how queries are planned (pushdowns, split interval)
   */
  constructor(
    private readonly storage: LogStorage,
    private readonly limitsFor: (tenant: string) => Limits,
    private readonly options: PlanOptions = {},
  ) {}

  parse(query: string): Query {
    try {
      return parseQuery(query);
    } catch (e) {
      if (e instanceof UnsupportedError) throw new QueryError(400, 'UNSUPPORTED_QUERY', e.message);
      if (e instanceof ParseError || e instanceof RangeError)
        throw new QueryError(400, 'INVALID_QUERY', e.message);
      throw e;
    }
  }

  /** What the planner knows of a tenant's streams. */
  catalog(tenant: string): StreamCatalog {
    const streams = this.storage.streams(tenant);
    return { hasLabel: (name) => streams.some((s) => name in s.labels) };
  }

  /** The plan of a query (parsed, for its range and step), under the engine's options or these. */
  plan(
    tenant: string,
    q: Query,
    p: Omit<QueryParams, 'query' | 'limit' | 'direction'>,
    options?: PlanOptions,
  ) {
    return planQuery(q, p, this.catalog(tenant), options ?? this.options);
  }

  /** The selection of a log query, as a live tail applies it to pushed entries. */
  planTail(tenant: string, q: Extract<Query, { kind: 'log' }>): Selection {
    return planSelection(q.selector, this.catalog(tenant), this.options.pushdown ?? true);
  }

  /**
   * The sub-queries a query runs as when its splits run apart (in several workers): for a metric range
   * query the plan splits, one range query per split's steps; else the query itself. Their answers merge
   * with mergeSubqueries (subqueries.ts) into this query's answer.
   */
  subqueries(tenant: string, p: QueryParams, options?: PlanOptions): QueryParams[] {
    const q = this.parse(p.query);
    if (q.kind === 'log' || p.instant) return [p];
    checkSteps(p);
    const plan = this.plan(tenant, q, p, options ?? this.options);
    if (plan.kind !== 'metric') return [p];
    return subqueryParams(
      p,
      plan.splits.map((s) => ({ start: plan.steps[s.first]!, end: plan.steps[s.end - 1]! })),
    );
  }

  /**
   * Runs a query. It lets the event loop turn every {@link QUERY_SLICE_MS} between reads, and stops there
   * (QUERY_CANCELLED, QUERY_TIMEOUT) once `signal` is aborted or `deadline` has passed. `options` override
   * the engine's planning options for this query.
   */
  async run(
    tenant: string,
    p: QueryParams,
    options?: PlanOptions,
  ): Promise<{ data: QueryData; stats: QueryStats }> {
    const started = performance.now();
    const q = this.parse(p.query);
    const ctx = new QueryContext(tenant, this.limitsFor(tenant), p.signal, p.deadline);
    const opts = options ?? this.options;
    let data: QueryData;
    let plan: QueryPlan;
    if (q.kind === 'log') {
      if (p.limit > ctx.limits.max_entries_limit_per_query && ctx.limits.max_entries_limit_per_query > 0) {
        throw new QueryError(
          400,
          'MAX_ENTRIES_LIMIT',
          `max entries limit per query exceeded, limit > max_entries_limit_per_query (${p.limit} > ${ctx.limits.max_entries_limit_per_query})`,
          'limit',
        );
      }
      plan = this.plan(tenant, q, p, opts);
      ctx.stages.plan = (performance.now() - started) / 1000;
      ctx.check();
      const selectStarted = performance.now();
      if (plan.kind !== 'log') throw new Error('a log query planned as a metric query');
      const result = await selectLogs(this.storage, ctx, plan.selection, {
        from: p.instant ? p.end - 1n : p.start,
        to: p.end,
        limit: p.limit,
        direction: p.direction,
      });
      ctx.stages.select = (performance.now() - selectStarted) / 1000;
      data = { resultType: 'streams', result };
    } else {
      checkSteps(p);
      plan = this.plan(tenant, q, p, opts);
      ctx.stages.plan = (performance.now() - started) / 1000;
      if (plan.kind !== 'metric') throw new Error('a metric query planned as a log query');
      checkReadLength(ctx.limits, plan, p, opts);
      ctx.check();
      data = await this.metricQuery(ctx, plan, p);
    }
    const execTimeSeconds = (performance.now() - started) / 1000;
    const entriesReturned =
      data.resultType === 'streams' ? data.result.reduce((n, s) => n + s.values.length, 0) : 0;
    return {
      data,
      stats: {
        linesProcessed: ctx.lines,
        bytesProcessed: ctx.bytes,
        postFilterLines: ctx.postFilterLines,
        entriesReturned,
        execTimeSeconds,
        store: ctx.scan,
        stages: ctx.stages,
        plan: summarizePlan(plan, opts.pushdown ?? true),
      },
    };
  }

  /** Streams of the tenant matching a selector's stream matchers (a label a stream lacks reads as ""). */
  matchStreams(tenant: string, matchers: LabelMatcher[], from?: bigint, to?: bigint): StreamInfo[] {
    return matchStreams(this.storage, tenant, matchers, from, to);
  }

  private async metricQuery(
    ctx: QueryContext,
    plan: Extract<QueryPlan, { kind: 'metric' }>,
    p: QueryParams,
  ): Promise<QueryData> {
    const expr = plan.query.expr;
    const steps = plan.steps;
    let v: Value | undefined;
    // Each split evaluates its own steps; their series are merged by labels onto the whole grid.
    const merged = new Map<string, Series>();
    for (const split of plan.splits) {
      ctx.steps = steps.slice(split.first, split.end);
      const part = await this.evalMetric(ctx, plan, expr);
      if (plan.splits.length === 1 || part.kind === 'scalar') {
        v = part;
        break;
      }
      for (const s of part.series) {
        const key = formatLabels(s.labels);
        let m = merged.get(key);
        if (!m) {
          m = { labels: s.labels, values: new Float64Array(steps.length).fill(Number.NaN) };
          merged.set(key, m);
        }
        m.values.set(s.values, split.first);
      }
    }
    v ??= { kind: 'vector', series: [...merged.values()] };
    ctx.steps = steps;
    // Seconds with millisecond precision, as Loki and Prometheus print sample times.
    const toSec = (t: bigint) => Number(t / 1_000_000n) / 1000;
    if (v.kind === 'scalar') {
      if (p.instant) return { resultType: 'scalar', result: [toSec(p.end), fmt(v.value)] };
      return {
        resultType: 'matrix',
        result: [{ metric: {}, values: steps.map((t) => [toSec(t), fmt(v.value)] as [number, string]) }],
      };
    }
    const series = v.series.filter((s) => s.values.some((x) => !Number.isNaN(x)));
    if (ctx.limits.max_query_series > 0 && series.length > ctx.limits.max_query_series) {
      throw new QueryError(
        400,
        'MAX_QUERY_SERIES',
        `maximum number of series (${ctx.limits.max_query_series}) reached for a single query`,
        'query',
      );
    }
    if (p.instant) {
      const result = series.map((s) => ({
        metric: s.labels,
        value: [toSec(p.end), fmt(s.values[0]!)] as [number, string],
      }));
      if (!isSorted(expr)) result.sort((a, b) => cmpKey(formatLabels(a.metric), formatLabels(b.metric)));
      return { resultType: 'vector', result };
    }
    const result = series
      .map((s) => ({
        metric: s.labels,
        values: steps.flatMap((t, i) =>
          Number.isNaN(s.values[i]!) ? [] : [[toSec(t), fmt(s.values[i]!)] as [number, string]],
        ),
      }))
      .sort((a, b) => cmpKey(formatLabels(a.metric), formatLabels(b.metric)));
    return { resultType: 'matrix', result };
  }

  private async evalMetric(
    ctx: QueryContext,
    plan: Extract<QueryPlan, { kind: 'metric' }>,
    e: MetricExpr,
  ): Promise<Value> {
    switch (e.kind) {
      case 'literal':
        return { kind: 'scalar', value: e.value };
      case 'vectorLiteral':
        return {
          kind: 'vector',
          series: [{ labels: {}, values: new Float64Array(ctx.steps.length).fill(e.value) }],
        };
      case 'range':
        return { kind: 'vector', series: await rangeAggregation(this.storage, ctx, e, plan.ranges.get(e)!) };
      case 'vector': {
        const inner = await this.evalMetric(ctx, plan, e.expr);
        if (inner.kind === 'scalar')
          throw new QueryError(400, 'INVALID_QUERY', `parse error: ${e.op} over a scalar is not allowed`);
        if (e.op === 'approx_topk' && plan.steps.length > 1) {
          throw new QueryError(400, 'INVALID_QUERY', 'approx_topk is only supported for instant queries');
        }
        // approx_topk is answered exactly (an exact answer is within any approximation bound).
        const op = e.op === 'approx_topk' ? 'topk' : e.op;
        return timed(ctx, () => ({
          kind: 'vector',
          series: vectorAggregation(ctx, op, e.param, e.grouping, inner.series),
        }));
      }
      case 'binary': {
        const left = await this.evalMetric(ctx, plan, e.left);
        const right = await this.evalMetric(ctx, plan, e.right);
        return timed(ctx, () => binary(ctx, e, left, right));
      }
      case 'labelReplace': {
        const inner = await this.evalMetric(ctx, plan, e.expr);
        return timed(ctx, () => labelReplace(e, inner));
      }
    }
  }
}

/** Runs a vector stage, adding its time to the context's vector aggregation time. */
function timed(ctx: QueryContext, f: () => Value): Value {
  const started = performance.now();
  const v = f();
  ctx.stages.vectorAggregation += (performance.now() - started) / 1000;
  return v;
}

/** Refuses a range query's step grid that Loki refuses: a step ≤ 0, or more than 11,000 points. */
function checkSteps(p: QueryParams): void {
  if (p.instant) return;
  if (p.step <= 0n)
    throw new QueryError(
      400,
      'INVALID_STEP',
      'zero or negative query resolution step widths are not accepted. Try a positive integer',
    );
  if ((p.end - p.start) / p.step > MAX_POINTS) {
    throw new QueryError(
      400,
      'TOO_MANY_POINTS',
      'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
    );
  }
}

/**
 * max_query_length bounds what a query reads, as Loki's store bounds each fetch: a range aggregation reads
 * its range (and offset) before each split of the steps, so `count_over_time({…}[800h])` is refused even as
 * an instant query.
 */
function checkReadLength(
  limits: Limits,
  plan: Extract<QueryPlan, { kind: 'metric' }>,
  p: QueryParams,
  options: PlanOptions,
): void {
  const limitNs = BigInt(limits.max_query_length_ms) * 1_000_000n;
  if (limitNs <= 0n) return;
  // Each split of a range query reads at most its interval of steps, plus the range.
  const interval = options.splitInterval ?? DEFAULT_SPLIT_INTERVAL_NS;
  let span = p.instant ? 0n : p.end - p.start;
  if (interval > 0n && span > interval) span = interval;
  for (const e of plan.ranges.keys()) {
    const length = span + e.range.rangeNs;
    if (length <= limitNs) continue;
    throw new QueryError(
      400,
      'QUERY_TOO_LONG',
      `the query time range exceeds the limit (query length: ${formatDuration(length)}, limit: ${formatDuration(limitNs)})`,
      'query',
    );
  }
}

function isSorted(e: MetricExpr): boolean {
  return (
    e.kind === 'vector' && (e.op === 'sort' || e.op === 'sort_desc' || e.op === 'topk' || e.op === 'bottomk')
  );
}
function cmpKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
export function fmt(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}
