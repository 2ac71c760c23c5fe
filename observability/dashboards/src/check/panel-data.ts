import { interpolate, type PanelQuery } from '../queries.js';

/** Where to run panel queries, and over which time range. */
export interface PanelDataOptions {
  /** Base URL of the Prometheus HTTP API (`http://127.0.0.1:9090`). */
  prometheus: string;
  /** Base URL of the Loki HTTP API (Loki or the Opsight log store). */
  loki: string;
  /** Start of the time range, Unix seconds. */
  start: number;
  /** End of the time range, Unix seconds; instant queries are evaluated here. */
  end: number;
  /** Values chosen for the dashboard variables. @default every variable on "All" */
  variables?: Readonly<Record<string, readonly string[]>>;
  /** Gives up on one query after this long. @default 10000 */
  timeoutMs?: number;
}

/** What one panel query returned. */
export interface PanelData extends PanelQuery {
  /** The query as sent: `expr` with the variables substituted. */
  query: string;
  /** Series (or log streams) returned; 0 is a panel showing "No data". */
  series: number;
  /** Why the query failed (HTTP status, the engine's error), when it did. */
  error?: string;
}

/** The step the console uses for a range: about 240 points, at least 1 s. */
export function panelStep(start: number, end: number): number {
  return Math.max(1, Math.ceil((end - start) / 240));
}

function requestUrl(q: PanelQuery, query: string, o: PanelDataOptions): string {
  const step = String(panelStep(o.start, o.end));
  if (q.language === 'loki') {
    const ns = (s: number) => `${Math.floor(s)}000000000`;
    const params = new URLSearchParams({ query, start: ns(o.start), end: ns(o.end), step, limit: '10' });
    return `${o.loki}/loki/api/v1/query_range?${params}`;
  }
  if (q.instant) return `${o.prometheus}/api/v1/query?${new URLSearchParams({ query, time: String(o.end) })}`;
  const params = new URLSearchParams({ query, start: String(o.start), end: String(o.end), step });
  return `${o.prometheus}/api/v1/query_range?${params}`;
}

/**
 * Runs one panel query the way the console shows the panel (range queries over the range, instant ones
 * at its end, LogQL over the range) and counts what came back. Never throws: a failed request is
 * reported in `error`.
 */
export async function queryPanelData(q: PanelQuery, options: PanelDataOptions): Promise<PanelData> {
  const query = interpolate(q.expr, options.variables);
  const done = (series: number, error?: string): PanelData => ({
    ...q,
    query,
    series,
    ...(error ? { error } : {}),
  });
  try {
    const res = await fetch(requestUrl(q, query, options), {
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    let body: { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
    try {
      body = JSON.parse(text);
    } catch {
      return done(0, `HTTP ${res.status}: ${text.slice(0, 200)}`);
    }
    if (!res.ok || body.status !== 'success')
      return done(0, `HTTP ${res.status}: ${body.error ?? text.slice(0, 200)}`);
    const result = body.data?.result;
    // A scalar result (`vector(1)` is a vector, `1` a scalar) is one value.
    if (body.data?.resultType === 'scalar') return done(1);
    return done(Array.isArray(result) ? result.length : 0);
  } catch (err) {
    return done(0, err instanceof Error ? err.message : String(err));
  }
}

/** Runs every query (a few at a time) and returns what each returned, in the order given. */
export async function queryAllPanelData(
  queries: readonly PanelQuery[],
  options: PanelDataOptions,
  concurrency = 4,
): Promise<PanelData[]> {
  const out: PanelData[] = new Array(queries.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < queries.length; i = next++) out[i] = await queryPanelData(queries[i]!, options);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queries.length) }, worker));
  return out;
}

/**
 * Panels allowed to show no data, by `dashboard / panel title`, each with its reason (shown in the
 * output). A panel listed here that does have data is not a failure.
 */
export type NoDataExceptions = Readonly<Record<string, string>>;

/** The key of a panel in {@link NoDataExceptions}. */
export const panelKey = (q: Pick<PanelQuery, 'dashboard' | 'panel'>) => `${q.dashboard} / ${q.panel}`;

/**
 * The failures among panel query results: every query that failed, and every query that returned no
 * data unless its panel is excepted. Each failure names the dashboard, the panel and the query sent.
 */
export function panelDataFailures(
  results: readonly PanelData[],
  exceptions: NoDataExceptions = {},
): string[] {
  const failures: string[] = [];
  for (const r of results) {
    if (r.error) failures.push(`${panelKey(r)}: query failed (${r.error}): ${r.query}`);
    else if (r.series === 0 && !(panelKey(r) in exceptions))
      failures.push(`${panelKey(r)}: no data from ${r.language} query: ${r.query}`);
  }
  return failures;
}
