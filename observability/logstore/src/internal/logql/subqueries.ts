// A metric range query as independent sub-queries, one per split of its steps, and the merge of their
// answers: what lets the splits of one query run at once (in several workers), as Loki's frontend runs
// them on several queriers. Each sub-query is the range query over its split's steps, so the merged
// answer is the one the whole query gives.
import { formatLabels } from '../labels.js';
import { addScanStats } from '../storage/scan-stats.js';
import type { QueryData, QueryParams, QueryStats } from './engine.js';
import { QueryError } from './query-context.js';

/** The range queries over each split's steps (the query itself when the plan does not split it). */
export function subqueryParams(params: QueryParams, splits: ReadonlyArray<{ start: bigint; end: bigint }>) {
  if (splits.length <= 1) return [params];
  return splits.map((s): QueryParams => ({ ...params, start: s.start, end: s.end }));
}

/**
 * Merges the answers of a query's sub-queries, in step order: each series' samples concatenated, series
 * ordered by labels, `maxSeries` enforced on the whole (0 disables); counts and times summed.
 */
export function mergeSubqueries(
  parts: ReadonlyArray<{ data: QueryData; stats: QueryStats }>,
  maxSeries: number,
): { data: QueryData; stats: QueryStats } {
  const first = parts[0];
  if (!first) throw new Error('no sub-query answers to merge');
  if (parts.length === 1) return first;
  const stats: QueryStats = {
    ...first.stats,
    store: { ...first.stats.store },
    stages: { ...first.stats.stages },
    plan: { ...first.stats.plan, splits: parts.length },
  };
  for (const p of parts.slice(1)) {
    stats.linesProcessed += p.stats.linesProcessed;
    stats.bytesProcessed += p.stats.bytesProcessed;
    stats.postFilterLines += p.stats.postFilterLines;
    stats.entriesReturned += p.stats.entriesReturned;
    stats.execTimeSeconds = Math.max(stats.execTimeSeconds, p.stats.execTimeSeconds);
    addScanStats(stats.store, p.stats.store);
    for (const k of Object.keys(stats.stages) as Array<keyof QueryStats['stages']>)
      stats.stages[k] += p.stats.stages[k];
  }
  if (first.data.resultType !== 'matrix') return { data: first.data, stats };
  const byKey = new Map<string, { metric: Record<string, string>; values: Array<[number, string]> }>();
  for (const p of parts) {
    if (p.data.resultType !== 'matrix') throw new Error(`cannot merge a ${p.data.resultType} into a matrix`);
    for (const s of p.data.result) {
      const key = formatLabels(s.metric);
      const m = byKey.get(key);
      if (m) m.values.push(...s.values);
      else byKey.set(key, { metric: s.metric, values: [...s.values] });
    }
  }
  if (maxSeries > 0 && byKey.size > maxSeries) {
    throw new QueryError(
      400,
      'MAX_QUERY_SERIES',
      `maximum number of series (${maxSeries}) reached for a single query`,
      'query',
    );
  }
  const result = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  return { data: { resultType: 'matrix', result }, stats };
}
