// Query parameters as Loki's HTTP API reads them (timestamps, durations, limits, direction).
import { parseDuration, parseTimestamp } from '@opsight/contracts/codecs';

export class BadParam extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A timestamp as Loki accepts it: RFC3339(Nano), float seconds (`1700000000.5`), integer seconds
 * (10 digits or fewer) or integer nanoseconds. Returns ns, or undefined when the parameter is absent or
 * empty (the operation's default applies).
 */
export function parseTime(value: string | null | undefined, field: string): bigint | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  try {
    return parseTimestamp(value);
  } catch {
    throw new BadParam(field, `invalid ${field}: cannot parse "${value}" to a valid timestamp`);
  }
}

/** A step or duration: Go/Prometheus duration (`1m`) or float seconds (`60`, `0.5`). Returns ns. */
export function parseStep(value: string, field: string): bigint {
  if (/^\d+(\.\d+)?$/.test(value)) return BigInt(Math.round(Number(value) * 1e9));
  try {
    return parseDuration(value, 'prometheus');
  } catch {
    throw new BadParam(field, `invalid ${field}: cannot parse "${value}" to a valid duration`);
  }
}

export function parseLimit(value: string | null, fallback: number): number {
  if (value === null || value === '') return fallback;
  if (!/^\d+$/.test(value)) throw new BadParam('limit', `invalid limit: cannot parse "${value}"`);
  return Number(value);
}

export function parseDirection(value: string | null): 'forward' | 'backward' {
  if (value === null || value === '') return 'backward';
  const v = value.toLowerCase();
  if (v === 'forward' || v === 'backward') return v;
  throw new BadParam('direction', `invalid direction "${value}": must be forward or backward`);
}
