// Binary operations between vectors and scalars (arithmetic, comparison with or without `bool`, and, or,
// unless, with on/ignoring and group_left/group_right matching), and label_replace.
import { formatLabels, type Labels } from '../labels.js';
import type { BinaryOp, MetricExpr } from './ast.js';
import { compare } from './pipeline.js';
import { type QueryContext, QueryError, type Series, type Value } from './query-context.js';

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

export function binary(
  ctx: QueryContext,
  e: Extract<MetricExpr, { kind: 'binary' }>,
  l: Value,
  r: Value,
): Value {
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

/** label_replace: for each series whose `src` label matches the regex, sets `dst` to the expansion. */
export function labelReplace(e: Extract<MetricExpr, { kind: 'labelReplace' }>, inner: Value): Value {
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
