// The plan of a LogQL query: what each log selector reads and how, decided once before execution.
//
// - Stream selection: the stream matchers; a `trace_id` matcher (trace_id is structured metadata, not a
//   stream label) or a first `| trace_id="…"` label filter is answered from the trace index instead.
// - Pushdowns, applied by the storage before any parsing: `|=` needles and the required literal of a `|~`
//   regex as `contains`; numeric label filters right after `| json` as JSON `fieldBounds`; and the labels a
//   metric query reads after its pipeline, so the parsers skip the others. The pipeline still runs every
//   filter: a pushdown only spares reading and parsing lines the pipeline would drop.
// - The time range each selector reads (range, offset and the steps), and range splitting: a metric range
//   query runs as consecutive intervals of its steps (Loki's split_queries_by_interval), merged into the
//   answer the unsplit query gives.
import type { FieldBound } from '../storage/scan-stats.js';
import type {
  Grouping,
  LabelFilterExpr,
  LabelMatcher,
  LogRange,
  LogSelector,
  MetricExpr,
  Query,
  RangeOp,
  Stage,
} from './ast.js';
import { compilePipeline, type PipelineInput, type PipelineOutput } from './pipeline.js';
import { requiredLiteral } from './regex-literal.js';

/** Loki's default `split_queries_by_interval` (1h). */
export const DEFAULT_SPLIT_INTERVAL_NS = 3_600_000_000_000n;

/** How a query is planned. */
export interface PlanOptions {
  /**
   * Apply the pushdowns (trace index, `contains` needles, field bounds, needed labels). Off, every entry of
   * the selected streams is read and the pipeline alone decides: the same answer, at a higher cost.
   * @default true
   */
  pushdown?: boolean;
  /**
   * Loki's `split_queries_by_interval`, ns: a metric range query runs interval by interval (aligned to
   * multiples of it), merged into one answer. 0n never splits. @default DEFAULT_SPLIT_INTERVAL_NS (1h)
   */
  splitInterval?: bigint;
}

/** What the planner knows of the tenant's streams. */
export interface StreamCatalog {
  /** Whether any stream of the tenant has a label of this name. */
  hasLabel(name: string): boolean;
}

/** How one log selector is read and filtered. */
export interface Selection {
  /** The stream matchers the streams are chosen by. */
  matchers: LabelMatcher[];
  /** A trace id whose entries are read from the trace index, instead of scanning the streams. */
  traceId?: string;
  /** Substrings every kept line contains, checked by the storage before parsing. */
  contains: string[];
  /** Bounds on top-level JSON fields every kept line satisfies: a hint the storage may use. */
  fieldBounds: FieldBound[];
  /** The pipeline run over every entry read. */
  stages: Stage[];
  /** The labels read after the pipeline; undefined when all are. */
  neededLabels?: Set<string>;
  /** The pipeline, compiled. */
  run: (input: PipelineInput) => PipelineOutput | null;
}

/** A range aggregation's plan: its selection and the grouping its samples are summed under, if any. */
export interface RangePlan {
  selection: Selection;
  /** Its own `by`/`without`, or that of a `sum` around it (same result, far fewer series). */
  grouping?: Grouping;
}

export type RangeExpr = Extract<MetricExpr, { kind: 'range' }>;

/** The steps of one split: the consecutive steps it evaluates, as indexes into the query's steps. */
export interface Split {
  first: number;
  /** Exclusive. */
  end: number;
}

export type QueryPlan =
  | { kind: 'log'; query: Extract<Query, { kind: 'log' }>; selection: Selection }
  | {
      kind: 'metric';
      query: Extract<Query, { kind: 'metric' }>;
      ranges: Map<RangeExpr, RangePlan>;
      /** Step timestamps, ns; one (the evaluation time) for an instant query. */
      steps: bigint[];
      splits: Split[];
    };

/** What a query reads: the shape of its `stats` block's plan section. */
export interface PlanSummary {
  /** Whether the pushdowns were applied. */
  pushdown: boolean;
  /** Metric range queries: the intervals it ran as (1 when not split). */
  splits: number;
  selectors: Array<{
    /** The stream matchers, as a selector. */
    streams: string;
    /** The trace id read from the trace index, if any. */
    traceIndex?: string;
    contains: string[];
    fieldBounds: string[];
    /** The labels kept after the pipeline; "all" when every label is. */
    labels: string[] | 'all';
    /** Range aggregations: the grouping samples are summed under while they are read. */
    groupedBy?: string;
  }>;
}

/** Plans a parsed query for a time range (and step, for a range query). */
export function planQuery(
  query: Query,
  params: { start: bigint; end: bigint; step: bigint; instant: boolean },
  catalog: StreamCatalog,
  options: PlanOptions = {},
): QueryPlan {
  const pushdown = options.pushdown ?? true;
  if (query.kind === 'log') {
    return { kind: 'log', query, selection: planSelection(query.selector, catalog, pushdown) };
  }
  const ranges = new Map<RangeExpr, RangePlan>();
  const visit = (e: MetricExpr, pushed: Grouping | undefined): void => {
    switch (e.kind) {
      case 'range': {
        const grouping = e.grouping ?? pushed;
        ranges.set(e, {
          selection: planSelection(e.range.selector, catalog, pushdown, grouping, e.range.unwrap),
          ...(grouping ? { grouping } : {}),
        });
        return;
      }
      case 'vector': {
        // sum by (g) over a summable range aggregation: group while extracting.
        let push: Grouping | undefined;
        if (e.op === 'sum' && e.expr.kind === 'range' && !e.expr.grouping && SUMMABLE.has(e.expr.op))
          push = e.grouping ?? { without: false, labels: [] };
        visit(e.expr, push);
        return;
      }
      case 'binary':
        visit(e.left, undefined);
        visit(e.right, undefined);
        return;
      case 'labelReplace':
        visit(e.expr, undefined);
        return;
      default:
        return;
    }
  };
  visit(query.expr, undefined);
  const steps: bigint[] = [];
  if (params.instant) steps.push(params.end);
  else if (params.step > 0n) for (let t = params.start; t <= params.end; t += params.step) steps.push(t);
  const splits = params.instant
    ? [{ first: 0, end: steps.length }]
    : splitSteps(steps, options.splitInterval ?? DEFAULT_SPLIT_INTERVAL_NS, lookback(ranges));
  return { kind: 'metric', query, ranges, steps, splits };
}

/** The longest span before a step that any range aggregation reads (range plus offset), ns. */
export function lookback(ranges: Map<RangeExpr, RangePlan>): bigint {
  let most = 0n;
  for (const e of ranges.keys()) {
    const back = e.range.rangeNs + (e.range.offsetNs > 0n ? e.range.offsetNs : 0n);
    if (back > most) most = back;
  }
  return most;
}

/**
 * Groups steps by the interval they fall in (multiples of `interval` since the epoch, as Loki aligns its
 * splits). Not split: a zero interval, or ranges as long as the interval (each split would read them again).
 */
export function splitSteps(steps: bigint[], interval: bigint, back: bigint): Split[] {
  if (steps.length === 0) return [];
  if (interval <= 0n || back >= interval) return [{ first: 0, end: steps.length }];
  const out: Split[] = [];
  let first = 0;
  let bucket = floorDiv(steps[0]!, interval);
  for (let i = 1; i < steps.length; i++) {
    const b = floorDiv(steps[i]!, interval);
    if (b === bucket) continue;
    out.push({ first, end: i });
    first = i;
    bucket = b;
  }
  out.push({ first, end: steps.length });
  return out;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** Plans how one log selector is read. */
export function planSelection(
  sel: LogSelector,
  catalog: StreamCatalog,
  pushdown: boolean,
  grouping?: Grouping,
  unwrap?: LogRange['unwrap'],
): Selection {
  // trace_id is structured metadata unless a stream has it as a label: its equality matcher then selects
  // no stream, and is answered from the trace index and checked by the pipeline.
  const traceIndexed = !catalog.hasLabel('trace_id');
  const traceEq = sel.matchers.find((m) => m.name === 'trace_id' && m.op === '=');
  const traceAny = sel.matchers.find((m) => m.name === 'trace_id');
  let matchers = sel.matchers;
  let traceId: string | undefined;
  if (traceEq && traceIndexed) {
    matchers = sel.matchers.filter((m) => m !== traceEq);
    traceId = traceEq.value;
  } else if (traceIndexed) {
    const first = sel.stages[0];
    if (first?.kind === 'labelFilter' && first.filter.kind === 'matcher') {
      const m = first.filter.matcher;
      if (m.name === 'trace_id' && m.op === '=') traceId = m.value;
    }
  }
  const checks: Stage[] = [];
  for (const m of [traceAny, matchers === sel.matchers ? undefined : traceEq]) {
    if (
      m &&
      !checks.some((c) => c.kind === 'labelFilter' && c.filter.kind === 'matcher' && c.filter.matcher === m)
    )
      checks.push({ kind: 'labelFilter', filter: { kind: 'matcher', matcher: m } });
  }
  const stages: Stage[] = checks.length > 0 ? [...checks, ...sel.stages] : sel.stages;
  const needed = grouping ? neededLabels(sel.matchers, sel.stages, grouping, unwrap) : undefined;
  const selection: Selection = {
    matchers,
    contains: pushdown ? containsNeedles(sel.stages) : [],
    fieldBounds: pushdown ? jsonFieldBounds(sel.stages, catalog) : [],
    stages,
    run: compilePipeline(stages, pushdown ? needed : undefined),
  };
  if (pushdown && traceId !== undefined) selection.traceId = traceId;
  if (pushdown && needed) selection.neededLabels = needed;
  return selection;
}

/** Stages after which the line is no longer the stored one. */
const REWRITES_LINE = new Set<Stage['kind']>(['lineFormat', 'decolorize', 'unpack']);

/**
 * Substrings every line the pipeline keeps contains: each `|=` of one string and the required literal of
 * each `|~` of one regex, up to the first stage that rewrites the line.
 */
export function containsNeedles(stages: Stage[]): string[] {
  const out: string[] = [];
  for (const s of stages) {
    if (REWRITES_LINE.has(s.kind)) break;
    if (s.kind !== 'lineFilter' || s.values.length !== 1 || s.ips) continue;
    const needle = s.op === '|=' ? s.values[0]! : s.op === '|~' ? requiredLiteral(s.values[0]!) : undefined;
    if (needle) out.push(needle);
  }
  return out;
}

const BOUND_OPS = new Set(['>', '>=', '<', '<=', '==']);

/**
 * Bounds from numeric label filters right after the first parser when it is a plain `| json`: the label is
 * then the JSON field of the same name at the top level (when no stream label takes that name, which would
 * move the field to `<name>_extracted`). Only `and`-joined comparisons count.
 */
export function jsonFieldBounds(stages: Stage[], catalog: StreamCatalog): FieldBound[] {
  const at = stages.findIndex((s) => s.kind !== 'lineFilter');
  const json = stages[at];
  if (json?.kind !== 'json' || json.params) return [];
  const out: FieldBound[] = [];
  const add = (f: LabelFilterExpr): void => {
    if (f.kind === 'and') {
      add(f.left);
      add(f.right);
    } else if (f.kind === 'number' && BOUND_OPS.has(f.op) && !catalog.hasLabel(f.name)) {
      out.push({ field: f.name, op: f.op as FieldBound['op'], value: f.value });
    }
  };
  for (const s of stages.slice(at + 1)) {
    if (s.kind === 'lineFilter') continue;
    if (s.kind !== 'labelFilter') break;
    add(s.filter);
  }
  return out;
}

const SUMMABLE = new Set<RangeOp>([
  'count_over_time',
  'rate',
  'bytes_over_time',
  'bytes_rate',
  'sum_over_time',
]);

/**
 * The labels a range aggregation reads after its pipeline, when that set is known: a `by` grouping,
 * the unwrapped label, and the names label filters test. Undefined (all labels) when a stage could
 * read any label (templates, keep/drop, unpack) or the series keep all their labels.
 */
export function neededLabels(
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

/** The plan as a user reads it in the `stats` block. */
export function summarizePlan(plan: QueryPlan, pushdown: boolean): PlanSummary {
  const describe = (s: Selection, grouping?: Grouping): PlanSummary['selectors'][number] => ({
    streams: formatMatchers(s.matchers),
    ...(s.traceId !== undefined ? { traceIndex: s.traceId } : {}),
    contains: s.contains,
    fieldBounds: s.fieldBounds.map((b) => `${b.field} ${b.op} ${b.value}`),
    labels: s.neededLabels ? [...s.neededLabels].sort() : 'all',
    ...(grouping
      ? { groupedBy: `${grouping.without ? 'without' : 'by'} (${grouping.labels.join(', ')})` }
      : {}),
  });
  if (plan.kind === 'log') return { pushdown, splits: 1, selectors: [describe(plan.selection)] };
  return {
    pushdown,
    splits: plan.splits.length,
    selectors: [...plan.ranges.values()].map((r) => describe(r.selection, r.grouping)),
  };
}

function formatMatchers(matchers: LabelMatcher[]): string {
  return `{${matchers.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`).join(', ')}}`;
}
