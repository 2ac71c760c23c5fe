import type { RequestOutcome } from './client/send-request.js';
import type { PlannedRequest, RequestKind } from './scenarios.js';

/** The file a run writes: what was sent and what came back, to compare with what the telemetry says. */
export interface GroundTruth {
  scenario: string;
  gateway: string;
  seed: number;
  /** Requests per second asked for. */
  rate: number;
  startedAt: string;
  endedAt: string;
  durationSeconds: number;
  requests: {
    /** Requests that got an answer or a network error (sent). */
    total: number;
    /** Not sent because too many were already in flight (the target could not keep up). */
    skipped: number;
    byStatus: Record<string, number>;
    /** Requested model → status → count. */
    byModel: Record<string, Record<string, number>>;
    byKind: Partial<Record<RequestKind, Record<string, number>>>;
    byErrorCode: Record<string, number>;
    streamed: number;
  };
  tokens: {
    prompt: number;
    completion: number;
    byModel: Record<string, { prompt: number; completion: number }>;
    /** Successful answers that carried no `usage` (their completion tokens are counted from chunks). */
    answersWithoutUsage: number;
  };
  latencyMs: Percentiles;
  /** Streamed answers only. */
  ttftMs: Percentiles;
  /** A few trace ids, to look up in the trace store. */
  sampleTraceIds: string[];
}

export interface Percentiles {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** The value below which `q` of the sorted values lie (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 1000) / 1000;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    mean: round(sorted.length ? sum / sorted.length : 0),
    p50: round(quantile(sorted, 0.5)),
    p90: round(quantile(sorted, 0.9)),
    p99: round(quantile(sorted, 0.99)),
    max: round(sorted.at(-1) ?? 0),
  };
}

const bump = (map: Record<string, number>, key: string, by = 1) => {
  map[key] = (map[key] ?? 0) + by;
};

/** The entry `key` of `map`, created from `make` when missing. */
function entry<T>(map: Record<string, T>, key: string, make: () => T): T {
  let value = map[key];
  if (value === undefined) {
    value = make();
    map[key] = value;
  }
  return value;
}

/** Latency samples kept for the percentiles; past this, a uniform sample of them (reservoir). */
const MAX_SAMPLES = 50_000;

function keep(samples: number[], value: number, seen: number): void {
  if (samples.length < MAX_SAMPLES) samples.push(value);
  else {
    const slot = Math.floor(Math.random() * seen);
    if (slot < MAX_SAMPLES) samples[slot] = value;
  }
}

/** Accumulates outcomes into a {@link GroundTruth}. */
export class GroundTruthRecorder {
  readonly #latencies: number[] = [];
  readonly #ttfts: number[] = [];
  readonly #truth: GroundTruth;
  readonly #started = Date.now();
  #ttftSeen = 0;

  constructor(info: { scenario: string; gateway: string; seed: number; rate: number }) {
    this.#truth = {
      ...info,
      startedAt: new Date(this.#started).toISOString(),
      endedAt: '',
      durationSeconds: 0,
      requests: { total: 0, skipped: 0, byStatus: {}, byModel: {}, byKind: {}, byErrorCode: {}, streamed: 0 },
      tokens: { prompt: 0, completion: 0, byModel: {}, answersWithoutUsage: 0 },
      latencyMs: percentiles([]),
      ttftMs: percentiles([]),
      sampleTraceIds: [],
    };
  }

  record(request: PlannedRequest, outcome: RequestOutcome): void {
    const r = this.#truth.requests;
    const status = String(outcome.status);
    r.total++;
    bump(r.byStatus, status);
    bump(
      entry(r.byModel, request.model || '(none)', () => ({})),
      status,
    );
    bump(
      entry(r.byKind as Record<string, Record<string, number>>, request.kind, () => ({})),
      status,
    );
    if (outcome.errorCode) bump(r.byErrorCode, outcome.errorCode);
    if (request.stream) r.streamed++;
    if (outcome.status >= 200 && outcome.status < 300) {
      const t = this.#truth.tokens;
      t.prompt += outcome.promptTokens;
      t.completion += outcome.completionTokens;
      const m = entry(t.byModel, request.model, () => ({ prompt: 0, completion: 0 }));
      m.prompt += outcome.promptTokens;
      m.completion += outcome.completionTokens;
      if (!outcome.usageReported) t.answersWithoutUsage++;
    }
    keep(this.#latencies, outcome.latencyMs, r.total);
    if (outcome.ttftMs !== undefined) keep(this.#ttfts, outcome.ttftMs, ++this.#ttftSeen);
    if (outcome.traceId && this.#truth.sampleTraceIds.length < 10)
      this.#truth.sampleTraceIds.push(outcome.traceId);
  }

  skipped(): void {
    this.#truth.requests.skipped++;
  }

  /** The ground truth so far. */
  snapshot(): GroundTruth {
    const now = Date.now();
    return {
      ...structuredClone(this.#truth),
      endedAt: new Date(now).toISOString(),
      durationSeconds: Math.round((now - this.#started) / 10) / 100,
      latencyMs: percentiles(this.#latencies),
      ttftMs: percentiles(this.#ttfts),
    };
  }
}
