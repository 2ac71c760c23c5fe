// GET|POST /loki/api/v1/query (instant) and /loki/api/v1/query_range, answered with Loki's data and stats.
import type { QueryOutput } from '../../api/log-store-api.js';
import { LogStoreError } from '../../api/log-store-error.js';
import type { QueryStats } from '../../logql/engine.js';
import { parseDirection, parseLimit, parseStep, parseTime } from '../params.js';
import { clientGone, sendJson } from '../request.js';
import type { RouteHandler } from './route.js';

/** Entries or series a query returns without a `limit` parameter (Loki's default). */
const DEFAULT_LIMIT = 100;

async function common(params: () => Promise<URLSearchParams>) {
  const p = await params();
  const query = p.get('query');
  if (!query) throw new LogStoreError('MISSING_QUERY', 'query parameter is required', { field: 'query' });
  return {
    p,
    query,
    limit: parseLimit(p.get('limit'), DEFAULT_LIMIT),
    direction: parseDirection(p.get('direction')),
  };
}

export const instantQuery: RouteHandler = async ({ res, api, tenant, params }) => {
  const t = tenant();
  const { p, query, limit, direction } = await common(params);
  const time = parseTime(p.get('time'), 'time');
  const out = await api.instantQuery(t, { query, limit, direction, time }, { signal: clientGone(res) });
  sendJson(res, 200, queryResponse(out));
};

export const rangeQuery: RouteHandler = async ({ res, api, tenant, params }) => {
  const t = tenant();
  const { p, query, limit, direction } = await common(params);
  const end = parseTime(p.get('end'), 'end');
  const start = parseTime(p.get('start'), 'start');
  const st = p.get('step');
  const step = st ? parseStep(st, 'step') : undefined;
  const out = await api.rangeQuery(
    t,
    { query, limit, direction, start, end, step },
    { signal: clientGone(res) },
  );
  sendJson(res, 200, queryResponse(out));
};

/**
 * Loki's query response: the data, and the statistics block in Loki's shape (summary, querier.store with
 * its chunk counts, ingester), plus an `opsight` section: the time of each stage and the plan as run.
 */
function queryResponse(out: QueryOutput) {
  return { status: 'success', data: { ...out.data, stats: statsBlock(out.stats) } };
}

/** The `stats` block of a query response. */
export function statsBlock(s: QueryStats) {
  const store = s.store;
  const perSecond = (n: number) => (s.execTimeSeconds > 0 ? Math.round(n / s.execTimeSeconds) : 0);
  const chunk = {
    headChunkBytes: store.headBytes,
    headChunkLines: store.headRows,
    decompressedBytes: store.decompressedBytes,
    decompressedLines: store.decompressedLines,
    compressedBytes: store.compressedBytes,
    totalDuplicates: 0,
    postFilterLines: s.postFilterLines,
  };
  return {
    summary: {
      bytesProcessedPerSecond: perSecond(s.bytesProcessed),
      linesProcessedPerSecond: perSecond(s.linesProcessed),
      totalBytesProcessed: s.bytesProcessed,
      totalLinesProcessed: s.linesProcessed,
      totalPostFilterLines: s.postFilterLines,
      execTime: s.execTimeSeconds,
      queueTime: s.queueTimeSeconds ?? 0,
      subqueries: s.plan.splits > 1 ? s.plan.splits : 0,
      totalEntriesReturned: s.entriesReturned,
      splits: s.plan.splits > 1 ? s.plan.splits : 0,
      shards: 0,
    },
    querier: {
      store: {
        totalChunksRef: store.chunksDecoded + store.chunksSkipped,
        totalChunksDownloaded: store.chunksDecoded,
        chunksDownloadTime: 0,
        chunk,
      },
    },
    ingester: { totalReached: 1, totalChunksMatched: 0, totalBatches: 0, totalLinesSent: 0 },
    opsight: {
      stages: s.stages,
      store: { chunksSkipped: store.chunksSkipped, indexHits: store.indexHits },
      plan: s.plan,
    },
  };
}
