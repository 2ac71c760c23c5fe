// Vector aggregation: sum, avg, min, max, count, stddev, stdvar, topk, bottomk, sort and sort_desc of
// series at each step, by or without a grouping, as Prometheus aggregates.
import { formatLabels, type Labels } from '../labels.js';
import type { Grouping } from './ast.js';
import { type QueryContext, QueryError, type Series } from './query-context.js';
import { group } from './range-aggregation.js';

export function vectorAggregation(
  ctx: QueryContext,
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
