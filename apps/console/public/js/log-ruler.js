// The log store's ruler as the console reads it (Loki's Prometheus-format `/prometheus/api/v1/rules` and
// `/alerts`, through the console's `/api/loki-ruler/`), and the click-through from a log alert to the log
// query that fired it. A store that is down and a store without a ruler are told apart, so the pages can
// say which.
import { api } from './dom.js';

/** The label the shipped log-based alerts carry (`source="logs"`), as their rule files render it. */
export const LOG_SOURCE = 'logs';

/** Minutes of logs shown before an alert became active: the rules' windows (5m) and the pending time. */
const BEFORE_ACTIVE_MS = 15 * 60_000;
/** Minutes shown after it when it became active moments ago, so the range is never empty. */
const AFTER_ACTIVE_MS = 5 * 60_000;

/**
 * Why the log store's ruler could not be read: `unreachable` (the store is down or timed out: the console
 * answered 502/504), `no-ruler` (the store answered, without a ruler: 404 or 501), or `error` (anything
 * else, with the store's message).
 */
function failure(err) {
  if (err.code === 'UPSTREAM_UNAVAILABLE' || err.code === 'UPSTREAM_TIMEOUT')
    return { status: 'unreachable', message: `Log store unreachable: ${err.message}` };
  if (err.status === 404 || err.status === 501)
    return { status: 'no-ruler', message: `The log store has no ruler (it answered ${err.status}).` };
  return { status: 'error', message: `Log store ruler: ${err.message}` };
}

/** The log store's rule groups: `{ status: 'ok', groups }` or `{ status, message }` as {@link failure}. */
export async function loadLogRules(params) {
  try {
    const res = await api('/api/loki-ruler/rules', params);
    return { status: 'ok', groups: res.data?.groups ?? [] };
  } catch (err) {
    return failure(err);
  }
}

/** The log store ruler's active alerts (pending and firing): `{ status: 'ok', alerts }` or a failure. */
export async function loadLogAlerts() {
  try {
    const res = await api('/api/loki-ruler/alerts');
    return { status: 'ok', alerts: res.data?.alerts ?? [] };
  } catch (err) {
    return failure(err);
  }
}

/** Milliseconds of an RFC 3339 time, or undefined (Go's zero time `0001-01-01T…` included). */
function time(iso) {
  const ms = Date.parse(iso ?? '');
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/**
 * The console's logs view running `expr` over the time around `activeAt`: 15 minutes before it to now
 * (at least 5 minutes after it). The expression travels only as an encoded query parameter of the hash
 * route and reaches the page as the text of the query box: nothing in it becomes HTML or a URL part.
 * @param {string} expr the rule's LogQL expression
 * @param {string} [activeAt] when the alert became pending (RFC 3339); the last hour when unknown
 * @returns {string | undefined} a relative URL (`#/logs?…`), or undefined without an expression
 */
export function logQueryHref(expr, activeAt, now = Date.now()) {
  if (typeof expr !== 'string' || expr.trim() === '') return undefined;
  const at = time(activeAt);
  if (at === undefined) return `#/logs?${new URLSearchParams({ query: expr, range: '1h' })}`;
  const from = at - BEFORE_ACTIVE_MS;
  const to = Math.max(now, at + AFTER_ACTIVE_MS);
  return `#/logs?${new URLSearchParams({ query: expr, from: String(from), to: String(to) })}`;
}

/**
 * The LogQL expression that produced a log alert and when it became active: its rule's query, found by
 * alert name (and, among rules of the same name, the one with an active alert of the same labels, whose
 * activeAt it also gives), else Prometheus's `g0.expr` of the alert's generatorURL, as Loki's ruler
 * writes it.
 * @returns {{ expr?: string, activeAt?: string }}
 */
export function logAlertOrigin(alert, groups = []) {
  const rules = groups.flatMap((g) => g.rules ?? []).filter((r) => r.name === alert.labels?.alertname);
  const same = (a) =>
    Object.entries(alert.labels ?? {}).every(([k, v]) => a.labels?.[k] === undefined || a.labels[k] === v);
  for (const r of rules) {
    const active = (r.alerts ?? []).find(same);
    if (active && r.query) return { expr: r.query, activeAt: active.activeAt };
  }
  if (rules[0]?.query) return { expr: rules[0].query };
  try {
    return { expr: new URL(alert.generatorURL).searchParams.get('g0.expr') ?? undefined };
  } catch {
    return {};
  }
}

/** Whether an alert comes from log-based rules. */
export const isLogAlert = (alert) => alert.labels?.source === LOG_SOURCE;
