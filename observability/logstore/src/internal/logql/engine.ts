// Evaluates LogQL queries against the storage: log queries return streams, metric queries return
// a vector (instant) or a matrix (range) evaluated on the step grid, as Loki does.
import { matchesLabel, parseDuration } from '@opsight/contracts/codecs';
import type { ErrorCode } from '../error-codes.js';
import { formatLabels, type Labels } from '../labels.js';
import type { Limits } from '../limits.js';
import type { LogStorage, ScannedEntry, StreamInfo } from '../storage/log-storage.js';
import type {
  BinaryOp,
  Grouping,
  LabelFilterExpr,
  LabelMatcher,
  LogSelector,
  MetricExpr,
  Query,
  RangeOp,
  Stage,
} from './ast.js';
import { parseQuery } from './parse.js';
import { ParseError, UnsupportedError } from './parse-error.js';
import { compare, compilePipeline, labelFilterMatches, type PipelineOutput } from './pipeline.js';
import { parseBytes } from './units.js';

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

export type StreamsResult = Array<{ stream: Labels; values: Array<[string, string]> }>;
export type QueryData =
  | { resultType: 'streams'; result: StreamsResult }
  | { resultType: 'matrix'; result: Array<{ metric: Labels; values: Array<[number, string]> }> }
  | { resultType: 'vector'; result: Array<{ metric: Labels; value: [number, string] }> }
  | { resultType: 'scalar'; result: [number, string] };

export interface QueryStats {
  linesProcessed: number;
  bytesProcessed: number;
  entriesReturned: number;
  execTimeSeconds: number;
}

interface Series {
  labels: Labels;
  values: Float64Array;
}
type Value = { kind: 'vector'; series: Series[] } | { kind: 'scalar'; value: number };

class Ctx {
  lines = 0;
  bytes = 0;
  readonly deadline: number;
  /** Step timestamps in ns. */
  steps: bigint[] = [];
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
  /**
   * Between chunks and streams: once the query has run {@link QUERY_SLICE_MS}, lets the event loop turn
   * (so a push or a disconnect is seen), then checks the deadline and the cancel signal.
   */
  async checkpoint(): Promise<void> {
    if (performance.now() - this.sliceStart < QUERY_SLICE_MS) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
    this.check();
  }
}

export class QueryEngine {
  constructor(
    private readonly storage: LogStorage,
    private readonly limitsFor: (tenant: string) => Limits,
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

  /**
   * Runs a query. It lets the event loop turn every {@link QUERY_SLICE_MS} between chunks and streams,
   * and stops there (QUERY_CANCELLED, QUERY_TIMEOUT) once `signal` is aborted or `deadline` has passed.
   */
  async run(tenant: string, p: QueryParams): Promise<{ data: QueryData; stats: QueryStats }> {
    const started = performance.now();
    const q = this.parse(p.query);
    const ctx = new Ctx(tenant, this.limitsFor(tenant), p.signal, p.deadline);
    let data: QueryData;
    if (q.kind === 'log') {
      if (p.limit > ctx.limits.max_entries_limit_per_query && ctx.limits.max_entries_limit_per_query > 0) {
        throw new QueryError(
          400,
          'MAX_ENTRIES_LIMIT',
          `max entries limit per query exceeded, limit > max_entries_limit_per_query (${p.limit} > ${ctx.limits.max_entries_limit_per_query})`,
          'limit',
        );
      }
      ctx.check();
      data = { resultType: 'streams', result: await this.logQuery(ctx, q.selector, p) };
    } else {
      ctx.check();
      data = await this.metricQuery(ctx, q.expr, p);
    }
    const execTimeSeconds = (performance.now() - started) / 1000;
    const entriesReturned =
      data.resultType === 'streams' ? data.result.reduce((n, s) => n + s.values.length, 0) : 0;
    return {
      data,
      stats: { linesProcessed: ctx.lines, bytesProcessed: ctx.bytes, entriesReturned, execTimeSeconds },
    };
  }

  /** Streams of the tenant matching a selector's stream matchers (a label a stream lacks reads as ""). */
  matchStreams(tenant: string, matchers: LabelMatcher[], from?: bigint, to?: bigint): StreamInfo[] {
    return this.storage.streams(tenant).filter((s) => {
      if (from !== undefined && to !== undefined && (s.maxTs < from || s.minTs >= to)) return false;
      return matchers.every((m) => matchesLabel(m, s.labels[m.name]));
    });
  }

  /**
   * Entries of a selector in [from, to) in time order, before the pipeline. Uses the trace_id index
   * for `{trace_id="…"}` (trace_id is structured metadata, not a stream label) and for a leading
   * `| trace_id="…"` label filter.
   */
  *entries(
    ctx: Ctx,
    sel: LogSelector,
    from: bigint,
    to: bigint,
    direction: 'forward' | 'backward',
  ): Generator<ScannedEntry> {
    const traceMatcher = sel.matchers.find((m) => m.name === 'trace_id' && m.op === '=');
    const streamHasTrace = this.storage.streams(ctx.tenant).some((s) => 'trace_id' in s.labels);
    let traceId: string | undefined;
    let matchers = sel.matchers;
    if (traceMatcher && !streamHasTrace) {
      traceId = traceMatcher.value;
      matchers = sel.matchers.filter((m) => m !== traceMatcher);
    } else {
      const first = sel.stages[0];
      if (first?.kind === 'labelFilter' && first.filter.kind === 'matcher') {
        const m = first.filter.matcher;
        if (m.name === 'trace_id' && m.op === '=' && !streamHasTrace) traceId = m.value;
      }
    }
    if (traceId !== undefined) {
      const allowed = new Set(this.matchStreams(ctx.tenant, matchers).map((s) => s.id));
      const hits = this.storage
        .byTraceId(ctx.tenant, traceId, from, to)
        .filter((e) => allowed.has(e.stream.id))
        .sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
      if (direction === 'backward') hits.reverse();
      yield* hits;
      return;
    }
    const streams = this.matchStreams(ctx.tenant, matchers, from, to);
    // Leading `|=` filters are pushed down to the storage scan.
    const contains: string[] = [];
    for (const s of sel.stages) {
      if (s.kind !== 'lineFilter' || s.op !== '|=' || s.values.length !== 1 || s.ips) break;
      contains.push(s.values[0]!);
    }
    const its = streams.map((s) => this.storage.scanStream(s, { from, to, direction, contains }));
    if (its.length === 1) {
      yield* its[0]!;
      return;
    }
    yield* mergeByTime(its, direction);
  }

  /**
   * Calls `fn` for every entry of a selector in [from, to), stream by stream (not in global time
   * order): the fast path of metric queries, which order samples per series themselves.
   */
  async forEachEntry(
    ctx: Ctx,
    sel: LogSelector,
    from: bigint,
    to: bigint,
    fn: (stream: StreamInfo, ts: bigint, line: string, metaRaw: string | null, metadata?: Labels) => void,
  ): Promise<void> {
    const usesTrace =
      sel.matchers.some((m) => m.name === 'trace_id' && m.op === '=') ||
      (sel.stages[0]?.kind === 'labelFilter' &&
        sel.stages[0].filter.kind === 'matcher' &&
        sel.stages[0].filter.matcher.name === 'trace_id');
    if (usesTrace) {
      for (const e of this.entries(ctx, sel, from, to, 'forward')) {
        fn(e.stream, e.ts, e.line, null, e.metadata ?? {});
        if ((ctx.lines & 1023) === 0) await ctx.checkpoint();
      }
      return;
    }
    const contains: string[] = [];
    for (const s of sel.stages) {
      if (s.kind !== 'lineFilter' || s.op !== '|=' || s.values.length !== 1 || s.ips) break;
      contains.push(s.values[0]!);
    }
    for (const stream of this.matchStreams(ctx.tenant, sel.matchers, from, to)) {
      await ctx.checkpoint();
      this.storage.forEachInRange(stream, { from, to, contains }, (ts, line, meta) =>
        fn(stream, ts, line, meta),
      );
    }
  }

  private selectorWithTrace(sel: LogSelector): Stage[] {
    // `{trace_id="…"}` answered from the index still checks the metadata in the pipeline.
    const tm = sel.matchers.find((m) => m.name === 'trace_id');
    if (!tm) return sel.stages;
    return [{ kind: 'labelFilter', filter: { kind: 'matcher', matcher: tm } }, ...sel.stages];
  }

  async logQuery(ctx: Ctx, sel: LogSelector, p: QueryParams): Promise<StreamsResult> {
    const run = compilePipeline(this.selectorWithTrace(sel));
    const out = new Map<string, { stream: Labels; values: Array<[string, string]> }>();
    let n = 0;
    const from = p.instant ? p.end - 1n : p.start;
    const to = p.instant ? p.end : p.end;
    if (p.limit <= 0) return [];
    for (const e of this.entries(ctx, sel, from, to, p.direction)) {
      ctx.lines++;
      ctx.bytes += e.line.length;
      if ((ctx.lines & 1023) === 0) await ctx.checkpoint();
      const r = run({ ts: e.ts, line: e.line, streamLabels: e.stream.labels, metadata: e.metadata });
      if (!r) continue;
      const key = formatLabels(r.labels);
      let s = out.get(key);
      if (!s) {
        s = { stream: r.labels, values: [] };
        out.set(key, s);
      }
      s.values.push([e.ts.toString(), r.line]);
      if (++n >= p.limit) break;
    }
    return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  }

  // ---------------- metric queries ----------------

  async metricQuery(ctx: Ctx, expr: MetricExpr, p: QueryParams): Promise<QueryData> {
    if (p.instant) ctx.steps = [p.end];
    else {
      if (p.step <= 0n)
        throw new QueryError(
          400,
          'INVALID_STEP',
          'zero or negative query resolution step widths are not accepted. Try a positive integer',
        );
      if ((p.end - p.start) / p.step > 11000n) {
        throw new QueryError(
          400,
          'TOO_MANY_POINTS',
          'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
        );
      }
      for (let t = p.start; t <= p.end; t += p.step) ctx.steps.push(t);
    }
    const v = await this.evalMetric(ctx, expr);
    // Seconds with millisecond precision, as Loki and Prometheus print sample times.
    const toSec = (t: bigint) => Number(t / 1_000_000n) / 1000;
    if (v.kind === 'scalar') {
      if (p.instant) return { resultType: 'scalar', result: [toSec(p.end), fmt(v.value)] };
      return {
        resultType: 'matrix',
        result: [{ metric: {}, values: ctx.steps.map((t) => [toSec(t), fmt(v.value)] as [number, string]) }],
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
        values: ctx.steps.flatMap((t, i) =>
          Number.isNaN(s.values[i]!) ? [] : [[toSec(t), fmt(s.values[i]!)] as [number, string]],
        ),
      }))
      .sort((a, b) => cmpKey(formatLabels(a.metric), formatLabels(b.metric)));
    return { resultType: 'matrix', result };
  }

  async evalMetric(ctx: Ctx, e: MetricExpr, pushedGrouping?: Grouping): Promise<Value> {
    switch (e.kind) {
      case 'literal':
        return { kind: 'scalar', value: e.value };
      case 'vectorLiteral':
        return {
          kind: 'vector',
          series: [{ labels: {}, values: new Float64Array(ctx.steps.length).fill(e.value) }],
        };
      case 'range':
        return { kind: 'vector', series: await this.rangeAggregation(ctx, e, pushedGrouping) };
      case 'vector': {
        // sum by (g) over a summable range aggregation: group while extracting (same result, far fewer series).
        let push: Grouping | undefined;
        if (e.op === 'sum' && e.expr.kind === 'range' && !e.expr.grouping && SUMMABLE.has(e.expr.op)) {
          push = e.grouping ?? { without: false, labels: [] };
        }
        const inner = await this.evalMetric(ctx, e.expr, push);
        if (inner.kind === 'scalar')
          throw new QueryError(400, 'INVALID_QUERY', `parse error: ${e.op} over a scalar is not allowed`);
        if (e.op === 'approx_topk' && ctx.steps.length > 1) {
          throw new QueryError(400, 'INVALID_QUERY', 'approx_topk is only supported for instant queries');
        }
        // approx_topk is answered exactly (an exact answer is within any approximation bound).
        const op = e.op === 'approx_topk' ? 'topk' : e.op;
        return { kind: 'vector', series: vectorAggregation(ctx, op, e.param, e.grouping, inner.series) };
      }
      case 'binary':
        return binary(ctx, e, await this.evalMetric(ctx, e.left), await this.evalMetric(ctx, e.right));
      case 'labelReplace': {
        const inner = await this.evalMetric(ctx, e.expr);
        if (inner.kind === 'scalar') return inner;
        return {
          kind: 'vector',
          series: mergeSameLabels(
            inner.series.map((s) => {
              const src = s.labels[e.src] ?? '';
              const m = e.re.matcher(src);
              if (!m.matches()) return s;
              let v = e.replacement.replace(
                /\$(\d+)|\$\{(\w+)\}/g,
                (_x, d: string | undefined, name: string | undefined) => {
                  const g = d !== undefined ? m.group(Number(d)) : m.group(name!);
                  return g ?? '';
                },
              );
              v = v ?? '';
              const labels = { ...s.labels };
              if (v === '') delete labels[e.dst];
              else labels[e.dst] = v;
              return { labels, values: s.values };
            }),
          ),
        };
      }
    }
  }

  async rangeAggregation(
    ctx: Ctx,
    e: Extract<MetricExpr, { kind: 'range' }>,
    pushed?: Grouping,
  ): Promise<Series[]> {
    const { range, op } = e;
    const sel = range.selector;
    const firstStep = ctx.steps[0]!;
    const lastStep = ctx.steps[ctx.steps.length - 1]!;
    const from = firstStep - range.offsetNs - range.rangeNs + 1n;
    const to = lastStep - range.offsetNs + 1n;
    const grouping = e.grouping ?? pushed;
    const run = compilePipeline(
      this.selectorWithTrace(sel),
      neededLabels(sel.matchers, sel.stages, grouping, range.unwrap),
    );
    const groups = new Map<string, { labels: Labels; ts: number[]; vals: number[] }>();
    const byNames = grouping && !grouping.without ? grouping.labels : undefined;
    const byKey = byNames ? (l: Labels) => byNames.map((n) => l[n] ?? '').join('\u0000') : undefined;
    const unwrap = range.unwrap;
    await this.forEachEntry(ctx, sel, from, to, (stream, ts, line, metaRaw, metadata) => {
      ctx.lines++;
      ctx.bytes += line.length;
      ctx.tick();
      const r: PipelineOutput | null = run({ ts, line, streamLabels: stream.labels, metadata, metaRaw });
      if (!r) return;
      let value = 1;
      if (op === 'bytes_over_time' || op === 'bytes_rate') value = Buffer.byteLength(r.line);
      if (unwrap) {
        const raw = r.labels[unwrap.label];
        let v = Number.NaN;
        if (r.labels.__error__ === undefined) {
          try {
            if (raw === undefined) v = Number.NaN;
            else if (unwrap.conversion === 'bytes') v = parseBytes(raw);
            else if (unwrap.conversion === 'duration' || unwrap.conversion === 'duration_seconds')
              v = Number(parseDuration(raw, 'prometheus')) / 1e9;
            else v = raw.trim() === '' ? Number.NaN : Number(raw);
          } catch {
            v = Number.NaN;
          }
          if (Number.isNaN(v) && raw !== undefined) {
            r.labels.__error__ = 'SampleExtractionErr';
            r.labels.__error_details__ = `strconv.ParseFloat: parsing ${JSON.stringify(raw)}: invalid syntax`;
          }
        }
        // The unwrapped label leaves the series labels (a `by` grouping drops it anyway).
        if (!byNames || unwrap.filters.length > 0) delete r.labels[unwrap.label];
        let keep = true;
        for (const f of unwrap.filters) if (!labelFilterMatches(f, r.labels)) keep = false;
        if (!keep) return;
        if (raw === undefined && r.labels.__error__ === undefined) return;
        value = v;
      }
      if (r.labels.__error__ !== undefined) {
        throw new QueryError(
          400,
          'PIPELINE_ERROR',
          `pipeline error: '${r.labels.__error__}' for series: '${formatLabels(r.labels)}'.\nUse a label filter to intentionally skip this error. (e.g | __error__!="${r.labels.__error__}").\nTo skip all potential errors you can match empty errors.(e.g __error__="")\nThe label filter can also be specified after unwrap. (e.g | unwrap latency | __error__="" )`,
        );
      }
      // A `by` grouping keys series by the grouped values alone (cheaper than the full label string).
      const key = byKey ? byKey(r.labels) : formatLabels(grouping ? group(r.labels, grouping) : r.labels);
      let g = groups.get(key);
      if (!g) {
        g = { labels: grouping ? group(r.labels, grouping) : r.labels, ts: [], vals: [] };
        groups.set(key, g);
        if (ctx.limits.max_query_series > 0 && groups.size > ctx.limits.max_query_series * 100) {
          throw new QueryError(
            400,
            'MAX_QUERY_SERIES',
            `maximum number of series (${ctx.limits.max_query_series}) reached for a single query`,
            'query',
          );
        }
      }
      g.ts.push(Number(ts - from));
      g.vals.push(value);
    });
    const rangeSec = Number(range.rangeNs) / 1e9;
    const stepRel = ctx.steps.map((t) => Number(t - range.offsetNs - from));
    const rangeRel = Number(range.rangeNs);
    if (op === 'absent_over_time') {
      const values = new Float64Array(ctx.steps.length).fill(Number.NaN);
      for (let i = 0; i < stepRel.length; i++) {
        const hi = stepRel[i]!;
        const lo = hi - rangeRel;
        let any = false;
        for (const g of groups.values()) {
          if (g.ts.some((t) => t > lo && t <= hi)) {
            any = true;
            break;
          }
        }
        if (!any) values[i] = 1;
      }
      const labels: Labels = {};
      for (const m of sel.matchers) if (m.op === '=') labels[m.name] = m.value;
      return [{ labels, values }];
    }
    const out: Series[] = [];
    for (const g of groups.values()) {
      // Samples within a group are in time order per stream; order them across streams.
      let sorted = true;
      for (let i = 1; i < g.ts.length && sorted; i++) if (g.ts[i]! < g.ts[i - 1]!) sorted = false;
      let ts = g.ts;
      let vals = g.vals;
      if (!sorted) {
        const idx = g.ts.map((_, i) => i).sort((a, b) => g.ts[a]! - g.ts[b]! || a - b);
        ts = idx.map((i) => g.ts[i]!);
        vals = idx.map((i) => g.vals[i]!);
      }
      const values = new Float64Array(ctx.steps.length).fill(Number.NaN);
      let lo = 0;
      let hi = 0;
      for (let i = 0; i < stepRel.length; i++) {
        const end = stepRel[i]!;
        const start = end - rangeRel;
        while (lo < ts.length && ts[lo]! <= start) lo++;
        if (hi < lo) hi = lo;
        while (hi < ts.length && ts[hi]! <= end) hi++;
        if (hi <= lo) continue;
        values[i] = rangeFn(op, vals, ts, lo, hi, rangeSec, e.param, start, end);
      }
      out.push({ labels: g.labels, values });
    }
    return out;
  }
}

/**
 * The labels a range aggregation reads after its pipeline, when that set is known: a `by` grouping,
 * the unwrapped label, and the names label filters test. Undefined (all labels) when a stage could
 * read any label (templates, keep/drop, unpack) or the series keep all their labels.
 */
function neededLabels(
  matchers: LabelMatcher[],
  stages: Stage[],
  grouping: Grouping | undefined,
  unwrap: { label: string; filters: LabelFilterExpr[] } | undefined,
): Set<string> | undefined {
  if (!grouping || grouping.without) return undefined;
  const want = new Set(grouping.labels);
  const addFilter = (f: LabelFilterExpr): void => {
    switch (f.kind) {
      case 'and':
      case 'or':
        addFilter(f.left);
        addFilter(f.right);
        break;
      case 'matcher':
        want.add(f.matcher.name);
        break;
      default:
        want.add(f.name);
    }
  };
  for (const m of matchers) want.add(m.name);
  for (const s of stages) {
    if (s.kind === 'labelFilter') addFilter(s.filter);
    else if (!['lineFilter', 'json', 'logfmt', 'regexp', 'pattern', 'decolorize'].includes(s.kind))
      return undefined;
    else if ((s.kind === 'json' || s.kind === 'logfmt') && s.params) return undefined;
  }
  if (unwrap) {
    want.add(unwrap.label);
    for (const f of unwrap.filters) addFilter(f);
  }
  return want;
}

const SUMMABLE = new Set<RangeOp>([
  'count_over_time',
  'rate',
  'bytes_over_time',
  'bytes_rate',
  'sum_over_time',
]);

function isSorted(e: MetricExpr): boolean {
  return (
    e.kind === 'vector' && (e.op === 'sort' || e.op === 'sort_desc' || e.op === 'topk' || e.op === 'bottomk')
  );
}

function cmpKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Formats a sample value as Prometheus does (Go's strconv 'f', -1; NaN, +Inf, -Inf). */
export function fmt(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

function group(labels: Labels, g: Grouping): Labels {
  const out: Labels = {};
  if (g.without) {
    for (const k in labels) if (!g.labels.includes(k)) out[k] = labels[k]!;
  } else {
    for (const k of g.labels) if (labels[k] !== undefined && labels[k] !== '') out[k] = labels[k]!;
  }
  return out;
}

function rangeFn(
  op: RangeOp,
  vals: number[],
  ts: number[],
  lo: number,
  hi: number,
  rangeSec: number,
  param: number | undefined,
  start: number,
  end: number,
): number {
  const n = hi - lo;
  let sum = 0;
  for (let i = lo; i < hi; i++) sum += vals[i]!;
  switch (op) {
    case 'count_over_time':
      return n;
    case 'rate':
    case 'bytes_rate':
      return sum / rangeSec;
    case 'bytes_over_time':
    case 'sum_over_time':
      return sum;
    case 'avg_over_time':
      return sum / n;
    case 'min_over_time': {
      let m = Number.POSITIVE_INFINITY;
      for (let i = lo; i < hi; i++) m = Math.min(m, vals[i]!);
      return m;
    }
    case 'max_over_time': {
      let m = Number.NEGATIVE_INFINITY;
      for (let i = lo; i < hi; i++) m = Math.max(m, vals[i]!);
      return m;
    }
    case 'stdvar_over_time':
    case 'stddev_over_time': {
      const mean = sum / n;
      let sq = 0;
      for (let i = lo; i < hi; i++) sq += (vals[i]! - mean) ** 2;
      const variance = sq / n;
      return op === 'stdvar_over_time' ? variance : Math.sqrt(variance);
    }
    case 'quantile_over_time':
      return quantile(param!, vals.slice(lo, hi));
    case 'first_over_time':
      return vals[lo]!;
    case 'last_over_time':
      return vals[hi - 1]!;
    case 'rate_counter':
      return counterRate(vals.slice(lo, hi), ts.slice(lo, hi), start, end, rangeSec);
    case 'absent_over_time':
      return 1;
  }
}

/** Prometheus' quantile: linear interpolation between closest ranks (phi outside [0,1] → ±Inf). */
export function quantile(phi: number, values: number[]): number {
  if (values.length === 0) return Number.NaN;
  if (phi < 0) return Number.NEGATIVE_INFINITY;
  if (phi > 1) return Number.POSITIVE_INFINITY;
  const v = [...values].sort((a, b) => a - b);
  const rank = phi * (v.length - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(v.length - 1, lower + 1);
  const w = rank - Math.floor(rank);
  return v[lower]! * (1 - w) + v[upper]! * w;
}

/** Per-second rate of a counter over the window, with resets and Prometheus-style extrapolation. */
function counterRate(vals: number[], ts: number[], start: number, end: number, rangeSec: number): number {
  if (vals.length < 2) return Number.NaN;
  let increase = vals[vals.length - 1]! - vals[0]!;
  for (let i = 1; i < vals.length; i++) if (vals[i]! < vals[i - 1]!) increase += vals[i - 1]!;
  const sampled = (ts[ts.length - 1]! - ts[0]!) / 1e9;
  let toStart = (ts[0]! - start) / 1e9;
  let toEnd = (end - ts[ts.length - 1]!) / 1e9;
  const avg = sampled / (vals.length - 1);
  if (increase > 0 && vals[0]! >= 0) {
    const zero = sampled * (vals[0]! / increase);
    if (zero < toStart) toStart = zero;
  }
  const threshold = avg * 1.1;
  let extrapolate = sampled;
  extrapolate += toStart < threshold ? toStart : avg / 2;
  extrapolate += toEnd < threshold ? toEnd : avg / 2;
  toEnd = 0;
  return (increase * (extrapolate / sampled)) / rangeSec + toEnd;
}

function vectorAggregation(
  ctx: Ctx,
  op: string,
  param: number | undefined,
  g: Grouping | undefined,
  input: Series[],
): Series[] {
  const steps = ctx.steps.length;
  if (op === 'sort' || op === 'sort_desc') {
    // Instant queries: order by the value; range queries keep the series as they are.
    const sorted = [...input].sort((a, b) =>
      op === 'sort' ? a.values[0]! - b.values[0]! : b.values[0]! - a.values[0]!,
    );
    return sorted;
  }
  const grouping = g ?? { without: false, labels: [] };
  const buckets = new Map<string, { labels: Labels; members: Series[] }>();
  for (const s of input) {
    const labels = group(s.labels, grouping);
    const key = formatLabels(labels);
    let b = buckets.get(key);
    if (!b) {
      b = { labels, members: [] };
      buckets.set(key, b);
    }
    b.members.push(s);
  }
  const out: Series[] = [];
  if (op === 'topk' || op === 'bottomk') {
    const k = param!;
    const kept = new Map<Series, Float64Array>();
    for (const b of buckets.values()) {
      for (let i = 0; i < steps; i++) {
        const present = b.members.filter((s) => !Number.isNaN(s.values[i]!));
        present.sort((x, y) => (op === 'topk' ? y.values[i]! - x.values[i]! : x.values[i]! - y.values[i]!));
        for (const s of present.slice(0, k)) {
          let v = kept.get(s);
          if (!v) {
            v = new Float64Array(steps).fill(Number.NaN);
            kept.set(s, v);
          }
          v[i] = s.values[i]!;
        }
      }
    }
    const result = [...kept.entries()].map(([s, values]) => ({ labels: s.labels, values }));
    if (steps === 1)
      result.sort((x, y) => (op === 'topk' ? y.values[0]! - x.values[0]! : x.values[0]! - y.values[0]!));
    return result;
  }
  for (const b of buckets.values()) {
    const values = new Float64Array(steps).fill(Number.NaN);
    for (let i = 0; i < steps; i++) {
      const xs: number[] = [];
      for (const s of b.members) {
        const v = s.values[i]!;
        if (!Number.isNaN(v)) xs.push(v);
      }
      if (xs.length === 0) continue;
      const sum = xs.reduce((a, c) => a + c, 0);
      switch (op) {
        case 'sum':
          values[i] = sum;
          break;
        case 'avg':
          values[i] = sum / xs.length;
          break;
        case 'min':
          values[i] = Math.min(...xs);
          break;
        case 'max':
          values[i] = Math.max(...xs);
          break;
        case 'count':
          values[i] = xs.length;
          break;
        case 'stddev':
        case 'stdvar': {
          const mean = sum / xs.length;
          const variance = xs.reduce((a, c) => a + (c - mean) ** 2, 0) / xs.length;
          values[i] = op === 'stddev' ? Math.sqrt(variance) : variance;
          break;
        }
        default:
          throw new QueryError(400, 'UNSUPPORTED_QUERY', `unsupported LogQL construct: ${op}`);
      }
    }
    out.push({ labels: b.labels, values });
  }
  return out;
}

function arith(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
    case '^':
      return a ** b;
    default:
      return Number.NaN;
  }
}

const COMPARISON = new Set<BinaryOp>(['==', '!=', '>', '>=', '<', '<=']);

function applyOp(op: BinaryOp, bool: boolean, a: number, b: number, keep: number): number {
  if (COMPARISON.has(op)) {
    const ok = compare(op, a, b);
    if (bool) return ok ? 1 : 0;
    return ok ? keep : Number.NaN;
  }
  return arith(op, a, b);
}

function matchKey(labels: Labels, m: { on: boolean; labels: string[] } | undefined): string {
  if (!m) return formatLabels(labels);
  const out: Labels = {};
  if (m.on) {
    for (const k of m.labels) if (labels[k] !== undefined) out[k] = labels[k]!;
  } else {
    for (const k in labels) if (!m.labels.includes(k)) out[k] = labels[k]!;
  }
  return formatLabels(out);
}

function binary(ctx: Ctx, e: Extract<MetricExpr, { kind: 'binary' }>, l: Value, r: Value): Value {
  const steps = ctx.steps.length;
  const { op, bool } = e;
  if (l.kind === 'scalar' && r.kind === 'scalar') {
    if (COMPARISON.has(op) && !bool)
      throw new QueryError(
        400,
        'INVALID_QUERY',
        'parse error: comparisons between scalars must use BOOL modifier',
      );
    return { kind: 'scalar', value: applyOp(op, bool, l.value, r.value, l.value) };
  }
  if (l.kind === 'vector' && r.kind === 'scalar') {
    return {
      kind: 'vector',
      series: l.series.map((s) => ({
        labels: s.labels,
        values: s.values.map((v) => (Number.isNaN(v) ? v : applyOp(op, bool, v, r.value, v))),
      })),
    };
  }
  if (l.kind === 'scalar' && r.kind === 'vector') {
    return {
      kind: 'vector',
      series: r.series.map((s) => ({
        labels: s.labels,
        values: s.values.map((v) => (Number.isNaN(v) ? v : applyOp(op, bool, l.value, v, v))),
      })),
    };
  }
  const lv = (l as { series: Series[] }).series;
  const rv = (r as { series: Series[] }).series;
  const m = e.matching;
  if (op === 'and' || op === 'or' || op === 'unless') {
    const rightPresent = new Map<string, boolean[]>();
    for (const s of rv) {
      const k = matchKey(s.labels, m);
      const arr = rightPresent.get(k) ?? new Array<boolean>(steps).fill(false);
      s.values.forEach((v, i) => {
        if (!Number.isNaN(v)) arr[i] = true;
      });
      rightPresent.set(k, arr);
    }
    if (op === 'and' || op === 'unless') {
      return {
        kind: 'vector',
        series: lv.map((s) => {
          const p = rightPresent.get(matchKey(s.labels, m));
          return {
            labels: s.labels,
            values: s.values.map((v, i) => ((op === 'and' ? p?.[i] : !p?.[i]) ? v : Number.NaN)),
          };
        }),
      };
    }
    const leftPresent = new Map<string, boolean[]>();
    for (const s of lv) {
      const k = matchKey(s.labels, m);
      const arr = leftPresent.get(k) ?? new Array<boolean>(steps).fill(false);
      s.values.forEach((v, i) => {
        if (!Number.isNaN(v)) arr[i] = true;
      });
      leftPresent.set(k, arr);
    }
    return {
      kind: 'vector',
      series: mergeSameLabels([
        ...lv,
        ...rv.map((s) => {
          const p = leftPresent.get(matchKey(s.labels, m));
          return { labels: s.labels, values: s.values.map((v, i) => (p?.[i] ? Number.NaN : v)) };
        }),
      ]),
    };
  }
  // Arithmetic and comparison between vectors.
  const group = m?.group;
  const one = group === 'left' ? rv : lv;
  const many = group === 'left' ? lv : rv;
  const oneByKey = new Map<string, Series>();
  for (const s of group ? one : rv) {
    const k = matchKey(s.labels, m);
    if (oneByKey.has(k)) {
      throw new QueryError(
        400,
        'MANY_TO_MANY',
        'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
      );
    }
    oneByKey.set(k, s);
  }
  const out: Series[] = [];
  const seen = new Set<string>();
  for (const s of group ? many : lv) {
    const other = oneByKey.get(matchKey(s.labels, m));
    if (!other) continue;
    const [left, right] = group === 'right' ? [other, s] : [s, other];
    let labels: Labels;
    if (group) {
      labels = { ...s.labels };
      for (const inc of m!.include) {
        if (other.labels[inc] !== undefined) labels[inc] = other.labels[inc]!;
        else delete labels[inc];
      }
    } else if (m?.on) {
      labels = {};
      for (const k of m.labels) if (s.labels[k] !== undefined) labels[k] = s.labels[k]!;
    } else if (m) {
      labels = { ...s.labels };
      for (const k of m.labels) delete labels[k];
    } else labels = { ...s.labels };
    const key = formatLabels(labels);
    if (!group && seen.has(key)) {
      throw new QueryError(
        400,
        'MANY_TO_MANY',
        'found duplicate series for the match group on the left hand-side of the operation',
      );
    }
    seen.add(key);
    const values = new Float64Array(steps).fill(Number.NaN);
    for (let i = 0; i < steps; i++) {
      const a = left.values[i]!;
      const b = right.values[i]!;
      if (Number.isNaN(a) || Number.isNaN(b)) continue;
      values[i] = applyOp(op, bool, a, b, COMPARISON.has(op) ? (group === 'right' ? b : a) : 0);
    }
    out.push({ labels, values });
  }
  return { kind: 'vector', series: out };
}

function mergeSameLabels(series: Series[]): Series[] {
  const byKey = new Map<string, Series>();
  for (const s of series) {
    const k = formatLabels(s.labels);
    const prev = byKey.get(k);
    if (!prev) {
      byKey.set(k, { labels: s.labels, values: Float64Array.from(s.values) });
      continue;
    }
    s.values.forEach((v, i) => {
      if (Number.isNaN(prev.values[i]!)) prev.values[i] = v;
    });
  }
  return [...byKey.values()];
}

/** k-way merge of per-stream iterators by timestamp. */
function* mergeByTime(
  its: Array<Iterator<ScannedEntry>>,
  direction: 'forward' | 'backward',
): Generator<ScannedEntry> {
  const before = direction === 'forward' ? (a: bigint, b: bigint) => a < b : (a: bigint, b: bigint) => a > b;
  const heap: Array<{ e: ScannedEntry; it: Iterator<ScannedEntry> }> = [];
  const less = (i: number, j: number) => before(heap[i]!.e.ts, heap[j]!.e.ts);
  const swap = (i: number, j: number) => {
    const t = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = t;
  };
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(i, p)) break;
      swap(i, p);
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(l, m)) m = l;
      if (r < heap.length && less(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  for (const it of its) {
    const n = it.next();
    if (!n.done) {
      heap.push({ e: n.value, it });
      up(heap.length - 1);
    }
  }
  try {
    while (heap.length > 0) {
      const top = heap[0]!;
      yield top.e;
      const n = top.it.next();
      if (n.done) {
        const last = heap.pop()!;
        if (heap.length > 0) {
          heap[0] = last;
          down(0);
        }
      } else {
        top.e = n.value;
        down(0);
      }
    }
  } finally {
    for (const h of heap) h.it.return?.(undefined);
  }
}
