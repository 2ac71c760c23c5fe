// What a push response means for each entry of the push: acknowledged (stored), dropped for good (with
// Loki's discard reason) or to be retried (and why). The store's bodies (observability/logstore/src/internal
// /http/server.ts): 400 and 429 carry `errors: [{code, field, message}]` where `field` names the rejected
// part — `streams[i].values[j]` an entry, `streams[i].labels` a whole stream, `streams` the request (a
// STREAM_LIMIT error names its stream in the message); at most 100 errors are listed.
//
// Rules, as Loki's clients (Alloy's loki.write) apply them, made per entry:
//   - 2xx: every entry stored.
//   - 5xx, network errors, timeouts: retry everything, never drop (`unavailable`, Retry-After honoured).
//   - 401, 403, 404, 405, 415 and a 400 about the tenant header: the collector's configuration, not the
//     entries, is wrong: retry (`unavailable`) so that nothing is lost while it is fixed.
//   - 413: the request is too large: split it (`too_large`).
//   - 429: RATE_LIMITED rejects the whole request (`rate_limited`); STREAM_LIMIT refuses the named
//     streams (`stream_limit`); what the body does not name was stored. A STREAM_LIMIT error that names
//     no stream we sent makes every unnamed entry `stream_limit` (re-sending a stored entry is harmless:
//     the store keeps an exact duplicate once).
//   - 400: the named entries and streams are dropped for good; the rest was stored. When the list may be
//     cut short (100 errors), the unnamed entries are re-sent (`resend`) rather than assumed stored.
//     A 400 that names nothing (the request did not decode) drops the whole push.
import { formatLabels, parseLabelSet } from '../labels.js';

export type EntryOutcome =
  | { kind: 'ack' }
  | { kind: 'drop'; reason: string; message: string }
  | { kind: 'retry'; why: 'unavailable' | 'rate_limited' | 'stream_limit' | 'resend' | 'too_large' };

export interface PushResult {
  /** Per stream of the request, per entry. */
  outcomes: EntryOutcome[][];
  /** Retry-After in ms, when the response had one. */
  retryAfterMs?: number;
  /** A one-line description for logs. */
  summary: string;
}

/** Loki's discard reason (`loki_discarded_samples_total{reason}`) for each of the store's error codes. */
const REASONS: Record<string, string> = {
  LINE_TOO_LONG: 'line_too_long',
  TIMESTAMP_TOO_OLD: 'greater_than_max_sample_age',
  TIMESTAMP_TOO_NEW: 'too_far_in_future',
  ENTRY_TOO_FAR_BEHIND: 'too_far_behind',
  STREAM_LIMIT: 'stream_limit',
  RATE_LIMITED: 'rate_limited',
  REQUEST_BODY_TOO_LARGE: 'request_too_large',
  INVALID_LABELS: 'invalid_labels',
  INVALID_STRUCTURED_METADATA: 'invalid_labels',
  MISSING_LABELS: 'missing_labels',
  DUPLICATE_LABEL_NAMES: 'duplicate_label_names',
  MAX_LABEL_NAMES_PER_SERIES: 'max_label_names_per_series',
  LABEL_NAME_TOO_LONG: 'label_name_too_long',
  LABEL_VALUE_TOO_LONG: 'label_value_too_long',
  STRUCTURED_METADATA_TOO_MANY: 'structured_metadata_too_many',
  STRUCTURED_METADATA_TOO_LARGE: 'structured_metadata_too_large',
};

/**
 * Every discard reason a store error code maps to. The collector exports its drop counter at 0 for each,
 * so that an alert on `increase(...)` sees the first drop of a reason (a series that appears at 1 has no
 * increase in Prometheus).
 */
export const DISCARD_REASONS: readonly string[] = [...new Set(Object.values(REASONS))];

/** The discard reason for a store error code. */
export function reasonOf(code: string | undefined): string {
  if (!code) return 'rejected';
  return REASONS[code] ?? code.toLowerCase();
}

/** Errors listed in a body beyond which the list may have been cut short. */
export const ERROR_LIST_CAP = 100;

const CONFIG_CODES = new Set(['INVALID_TENANT', 'MULTIPLE_TENANTS', 'NO_ORG_ID', 'UNAUTHORIZED']);

/** Parses Retry-After (delay-seconds or an HTTP date) into ms. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function canonical(labels: string): string | undefined {
  try {
    return formatLabels(parseLabelSet(labels).labels);
  } catch {
    return undefined;
  }
}

interface StoreError {
  code?: string;
  field?: string;
  message?: string;
  reason?: string;
}

/**
 * Interprets a response to a push of `streams` (label strings as sent, entry counts), or a network
 * failure when `status` is undefined.
 */
export function interpretPush(
  streams: Array<{ labels: string; count: number }>,
  status: number | undefined,
  bodyText: string,
  retryAfter: string | null,
): PushResult {
  const all = (o: EntryOutcome): EntryOutcome[][] =>
    streams.map((s) => Array.from({ length: s.count }, () => o));
  const retryAfterMs = parseRetryAfter(retryAfter);
  const withRetry = (r: PushResult): PushResult => (retryAfterMs === undefined ? r : { ...r, retryAfterMs });
  if (status === undefined)
    return { outcomes: all({ kind: 'retry', why: 'unavailable' }), summary: bodyText };
  if (status >= 200 && status < 300) return { outcomes: all({ kind: 'ack' }), summary: `${status}` };
  let body: { code?: string; errors?: StoreError[]; error?: string } = {};
  try {
    const parsed = JSON.parse(bodyText) as unknown;
    if (parsed && typeof parsed === 'object') body = parsed as typeof body;
  } catch {
    // Not JSON (a proxy's page, or Loki's plain-text errors): decided by the status alone.
  }
  const summary =
    `${status} ${body.code ?? ''} ${(body.error ?? bodyText).split('\n')[0]!.slice(0, 300)}`.trim();
  if (status >= 500) return withRetry({ outcomes: all({ kind: 'retry', why: 'unavailable' }), summary });
  if (status === 413) return { outcomes: all({ kind: 'retry', why: 'too_large' }), summary };
  if (status !== 400 && status !== 429) {
    return withRetry({ outcomes: all({ kind: 'retry', why: 'unavailable' }), summary });
  }
  const errors = Array.isArray(body.errors) ? body.errors : [];
  if (status === 400 && errors.length === 0) {
    if (CONFIG_CODES.has(body.code ?? ''))
      return { outcomes: all({ kind: 'retry', why: 'unavailable' }), summary };
    const reason = reasonOf(body.code ?? `http_${status}`);
    return { outcomes: all({ kind: 'drop', reason, message: summary }), summary };
  }
  if (status === 429 && errors.length === 0) {
    return withRetry({ outcomes: all({ kind: 'retry', why: 'rate_limited' }), summary });
  }
  const out: Array<Array<EntryOutcome | undefined>> = streams.map((s) => new Array(s.count).fill(undefined));
  const byKey = new Map<string, number>();
  streams.forEach((s, i) => {
    const k = canonical(s.labels);
    if (k !== undefined && !byKey.has(k)) byKey.set(k, i);
  });
  let rateLimited = false;
  let unnamedStreamLimit = false;
  let unattributed = false;
  for (const e of errors) {
    const code = e.code;
    const reason = typeof e.reason === 'string' && e.reason ? e.reason : reasonOf(code);
    const message = (e.message ?? '').slice(0, 300);
    if (CONFIG_CODES.has(code ?? '')) {
      return { outcomes: all({ kind: 'retry', why: 'unavailable' }), summary };
    }
    if (code === 'RATE_LIMITED') {
      rateLimited = true;
      continue;
    }
    const m = /^streams\[(\d+)\](?:\.values\[(\d+)\]|\.labels)?$/.exec(e.field ?? '');
    let si = m ? Number(m[1]) : undefined;
    if (code === 'STREAM_LIMIT') {
      if (si === undefined) {
        const named = /create stream (\{.*?\})(?:,|$)/.exec(e.message ?? '');
        const k = named ? canonical(named[1]!) : undefined;
        si = k === undefined ? undefined : byKey.get(k);
      }
      if (si === undefined || si >= streams.length) {
        unnamedStreamLimit = true;
        continue;
      }
      out[si] = out[si]!.map((o) => o ?? { kind: 'retry', why: 'stream_limit' });
      continue;
    }
    if (!m || si === undefined || si >= streams.length) {
      unattributed = true;
      continue;
    }
    const outcome: EntryOutcome = { kind: 'drop', reason, message };
    if (m[2] !== undefined) {
      const j = Number(m[2]);
      if (j < out[si]!.length) out[si]![j] = outcome;
      else unattributed = true;
    } else {
      out[si] = out[si]!.map(() => outcome);
    }
  }
  let rest: EntryOutcome = { kind: 'ack' };
  if (rateLimited) rest = { kind: 'retry', why: 'rate_limited' };
  else if (unnamedStreamLimit) rest = { kind: 'retry', why: 'stream_limit' };
  else if (unattributed || errors.length >= ERROR_LIST_CAP) {
    // Re-sending makes progress only when this answer named something; otherwise the same unnamed
    // rejection would come back for ever: the unnamed rest is then dropped as the store said.
    const named = out.some((s) => s.some((o) => o !== undefined));
    const first = errors.find((e) => e.code !== 'STREAM_LIMIT');
    rest = named
      ? { kind: 'retry', why: 'resend' }
      : { kind: 'drop', reason: reasonOf(first?.code ?? body.code), message: summary };
  }
  return withRetry({ outcomes: out.map((s) => s.map((o) => o ?? rest)), summary });
}
