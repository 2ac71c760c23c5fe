// Query parameters as Loki's HTTP API reads them (timestamps, durations, limits, direction).
import { parseDuration } from '../logql/units.js';

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
 * (10 digits or fewer) or integer nanoseconds. Returns ns.
 */
export function parseTime(value: string | null | undefined, fallback: bigint, field: string): bigint {
  if (value === null || value === undefined || value === '') return fallback;
  if (/^\d+\.\d*$/.test(value)) {
    const [s, frac = ''] = value.split('.');
    return BigInt(s!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9));
  }
  if (/^-?\d+$/.test(value)) {
    const n = BigInt(value);
    return value.replace('-', '').length <= 10 ? n * 1_000_000_000n : n;
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new BadParam(field, `invalid ${field}: cannot parse "${value}" to a valid timestamp`);
  const frac = /\.(\d+)/.exec(value)?.[1] ?? '';
  const subMs = BigInt(frac.padEnd(9, '0').slice(3, 9) || '0');
  return BigInt(ms) * 1_000_000n + subMs;
}

/** A step or duration: Go/Prometheus duration (`1m`) or float seconds (`60`, `0.5`). Returns ns. */
export function parseStep(value: string, field: string): bigint {
  if (/^\d+(\.\d+)?$/.test(value)) return BigInt(Math.round(Number(value) * 1e9));
  try {
    return BigInt(parseDuration(value));
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
