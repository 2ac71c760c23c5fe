// Range aggregation: the samples of a log selection (one per kept entry: 1, its bytes or its unwrapped
// value), grouped into series, then aggregated over the window (t - range, t] at each step.
import { parseDuration } from '@opsight/contracts/codecs';
import { formatLabels, type Labels } from '../labels.js';
import type { LogStorage } from '../storage/log-storage.js';
import type { Grouping, RangeOp } from './ast.js';
import { forEachSelected } from './log-selection.js';
import { labelFilterMatches } from './pipeline.js';
import type { RangeExpr, RangePlan } from './plan.js';
import { type QueryContext, QueryError, type Series } from './query-context.js';
import { parseBytes } from './units.js';

/** Samples of one series, times relative to the start of the read (ns, exact as doubles). */
interface SampleGroup {
  labels: Labels;
  ts: number[];
  vals: number[];
}

/** Evaluates a range aggregation at each of the context's steps. */
export async function rangeAggregation(
  storage: LogStorage,
  ctx: QueryContext,
  e: RangeExpr,
  plan: RangePlan,
): Promise<Series[]> {
  const { range, op } = e;
  const sel = plan.selection;
  const firstStep = ctx.steps[0]!;
  const lastStep = ctx.steps[ctx.steps.length - 1]!;
  const from = firstStep - range.offsetNs - range.rangeNs + 1n;
  const to = lastStep - range.offsetNs + 1n;
  const grouping = plan.grouping;
  const groups = new Map<string, SampleGroup>();
  const byNames = grouping && !grouping.without ? grouping.labels : undefined;
  const only = byNames?.length === 1 ? byNames[0]! : undefined;
  // A `by` grouping keys series by the grouped values alone (cheaper than the full label string).
  const byKey = byNames
    ? only !== undefined
      ? (l: Labels) => l[only] ?? ''
      : (l: Labels) => byNames.map((n) => l[n] ?? '').join('\u0000')
    : undefined;
  const unwrap = range.unwrap;
  const bytes = op === 'bytes_over_time' || op === 'bytes_rate';
  const maxGroups = ctx.limits.max_query_series > 0 ? ctx.limits.max_query_series * 100 : 0;
  const selectStarted = performance.now();
  await forEachSelected(storage, ctx, sel, from, to, (stream, ts, line, metaRaw, metadata) => {
    ctx.lines++;
    ctx.bytes += line.length;
    ctx.tick();
    const r = sel.run({ ts, line, streamLabels: stream.labels, metadata, metaRaw });
    if (!r) return;
    ctx.postFilterLines++;
    let value = 1;
    if (bytes) value = Buffer.byteLength(r.line);
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
      for (const f of unwrap.filters) if (!labelFilterMatches(f, r.labels)) return;
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
    const key = byKey ? byKey(r.labels) : formatLabels(grouping ? group(r.labels, grouping) : r.labels);
    let g = groups.get(key);
    if (!g) {
      g = { labels: grouping ? group(r.labels, grouping) : r.labels, ts: [], vals: [] };
      groups.set(key, g);
      if (maxGroups > 0 && groups.size > maxGroups) {
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
  const aggregateStarted = performance.now();
  ctx.stages.select += (aggregateStarted - selectStarted) / 1000;
  const out = windows(ctx, e, groups, from);
  ctx.stages.rangeAggregation += (performance.now() - aggregateStarted) / 1000;
  return out;
}

/** The series of a range aggregation: each group's samples aggregated over the window at each step. */
function windows(ctx: QueryContext, e: RangeExpr, groups: Map<string, SampleGroup>, from: bigint): Series[] {
  const { range, op } = e;
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
    for (const m of range.selector.matchers) if (m.op === '=') labels[m.name] = m.value;
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

export function group(labels: Labels, g: Grouping): Labels {
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
