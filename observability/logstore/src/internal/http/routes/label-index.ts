// The label and series index: /loki/api/v1/labels, /label/<name>/values, /series, /index/stats and
// /index/volume, each over the streams that stream selectors pick in a time range.
import type { StreamSelection } from '../../api/log-store-api.js';
import { LogStoreError } from '../../api/log-store-error.js';
import { parseTime } from '../params.js';
import { sendJson } from '../request.js';
import type { RouteHandler } from './route.js';

const NS = 1_000_000_000n;

/**
 * The selection of a request: `start` and `end`, the selectors of `match[]` and `match`, and `query` as
 * one more selector where the endpoint takes one.
 */
function selection(p: URLSearchParams, withQuery: boolean): StreamSelection {
  const end = parseTime(p.get('end'), 'end');
  const start = parseTime(p.get('start'), 'start');
  const query = withQuery ? p.get('query') : null;
  return { start, end, matchers: [...p.getAll('match[]'), ...(query ? [query] : []), ...p.getAll('match')] };
}

/** The `query` an index endpoint requires. */
function requiredQuery(p: URLSearchParams): void {
  if (!p.get('query'))
    throw new LogStoreError('MISSING_QUERY', 'query parameter is required', { field: 'query' });
}

export const labelNames: RouteHandler = async ({ res, api, tenant, params }) => {
  const t = tenant();
  const p = await params();
  sendJson(res, 200, { status: 'success', data: api.labelNames(t, selection(p, true)) });
};

/** /loki/api/v1/label/<name>/values, the name URL-encoded. */
export function labelValues(encodedName: string): RouteHandler {
  return async ({ res, api, tenant, params }) => {
    const t = tenant();
    const p = await params();
    const name = decodeURIComponent(encodedName);
    sendJson(res, 200, { status: 'success', data: api.labelValues(t, name, selection(p, true)) });
  };
}

export const series: RouteHandler = async ({ res, api, tenant, params }) => {
  const t = tenant();
  const p = await params();
  if (p.getAll('match[]').length + p.getAll('match').length === 0) {
    throw new LogStoreError('MISSING_MATCH', 'at least one match[] argument must be provided', {
      field: 'match[]',
    });
  }
  sendJson(res, 200, { status: 'success', data: api.series(t, selection(p, false)) });
};

export const indexStats: RouteHandler = async ({ res, api, tenant, params }) => {
  const t = tenant();
  const p = await params();
  requiredQuery(p);
  sendJson(res, 200, api.indexStats(t, selection(p, true)));
};

export const indexVolume: RouteHandler = async ({ res, api, tenant, params }) => {
  const t = tenant();
  const p = await params();
  requiredQuery(p);
  const targets = (p.get('targetLabels') ?? '').split(',').filter(Boolean);
  const out = api.volume(t, selection(p, true), targets);
  const time = Number(out.end / NS);
  sendJson(res, 200, {
    status: 'success',
    data: {
      resultType: 'vector',
      result: out.volumes.map((v) => ({ metric: v.metric, value: [time, String(v.bytes)] })),
    },
  });
};
