// GET|POST /loki/api/v1/query (instant) and /loki/api/v1/query_range, answered with Loki's data and stats.
import type { QueryOutput } from '../../api/log-store-api.js';
import { LogStoreError } from '../../api/log-store-error.js';
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

/** Loki's query response: the data, and the statistics Grafana reads. */
function queryResponse(out: QueryOutput) {
  const s = out.stats;
  return {
    status: 'success',
    data: {
      ...out.data,
      stats: {
        summary: {
          bytesProcessedPerSecond:
            s.execTimeSeconds > 0 ? Math.round(s.bytesProcessed / s.execTimeSeconds) : 0,
          linesProcessedPerSecond:
            s.execTimeSeconds > 0 ? Math.round(s.linesProcessed / s.execTimeSeconds) : 0,
          totalBytesProcessed: s.bytesProcessed,
          totalLinesProcessed: s.linesProcessed,
          execTime: s.execTimeSeconds,
          queueTime: 0,
          subqueries: 0,
          totalEntriesReturned: s.entriesReturned,
          splits: 0,
          shards: 0,
        },
        querier: { store: { totalChunksRef: 0, totalChunksDownloaded: 0, chunksDownloadTime: 0 } },
        ingester: { totalReached: 1, totalChunksMatched: 0, totalBatches: 0, totalLinesSent: 0 },
      },
    },
  };
}
