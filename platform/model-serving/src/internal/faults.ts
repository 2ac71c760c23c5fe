import { ServingError } from './errors.js';

/** Fault switches of one model-serving instance, changed at run time through `/admin/faults`. */
export interface FaultSettings {
  /** Added to every request's time to first token, ms. @default 0 */
  latencyMs: number;
  /** Fraction of requests answered 500 MODEL_ERROR (0 to 1). @default 0 */
  errorRate: number;
  /** Fraction of requests that hang until the client gives up (0 to 1). @default 0 */
  timeoutRate: number;
  /** Fraction of requests answered 503 MODEL_OVERLOADED (0 to 1). @default 0 */
  overloadRate: number;
  /** The next inference request crashes the process. @default false */
  crash: boolean;
}

export const NO_FAULTS: Readonly<FaultSettings> = Object.freeze({
  latencyMs: 0,
  errorRate: 0,
  timeoutRate: 0,
  overloadRate: 0,
  crash: false,
});

const invalid = (field: string, reason: string) =>
  new ServingError('INVALID_REQUEST', `${field}: ${reason}`, field);

/**
 * Applies a `POST /admin/faults` body to the current settings: fields present replace, fields absent are
 * kept. Throws INVALID_REQUEST naming the bad or unknown field; nothing changes then.
 */
export function applyFaultPatch(current: FaultSettings, body: unknown): FaultSettings {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalid('body', 'expected a JSON object');
  const next = { ...current };
  for (const [field, value] of Object.entries(body)) {
    switch (field) {
      case 'latencyMs':
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 600_000)
          throw invalid(field, 'expected milliseconds from 0 to 600000');
        next.latencyMs = value;
        break;
      case 'errorRate':
      case 'timeoutRate':
      case 'overloadRate':
        if (typeof value !== 'number' || !(value >= 0 && value <= 1))
          throw invalid(field, 'expected a fraction from 0 to 1');
        next[field] = value;
        break;
      case 'crash':
        if (typeof value !== 'boolean') throw invalid(field, 'expected a boolean');
        next.crash = value;
        break;
      default:
        throw invalid(field, 'unknown fault (latencyMs, errorRate, timeoutRate, overloadRate, crash)');
    }
  }
  return next;
}
