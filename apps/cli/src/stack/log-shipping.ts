/**
 * The log pipeline's timing on the local stack: how long a log store stream stays active without
 * entries (its stream limit counts active streams only) and how long the collector retries a stream the
 * store refuses with 429 before it drops the refused entries.
 *
 * Loki's and Alloy's defaults normally (30m, 10m). Under OPSIGHT_FAST=1 (the whole-stack tests) the idle
 * period is 60s, so a stream-limit flood frees the stream table within a test.
 * OPSIGHT_LOGSTORE_STREAM_IDLE_PERIOD overrides the idle period (e.g. `60s`, so that the fault suite's
 * stream-flood row ends in bounded time on a normal stack).
 */

/** The log pipeline's timing, as Go-style durations (`60s`, `30m`). */
export interface LogShippingSettings {
  /** The log store's `--stream-idle-period` (Loki's chunk_idle_period). @default '30m' ('60s' when fast) */
  streamIdlePeriod: string;
  /** The collector's `--max-retry-period` (Alloy's max_backoff_period × retries). @default '10m' */
  maxRetryPeriod: string;
}

export const STREAM_IDLE_PERIOD_VARIABLE = 'OPSIGHT_LOGSTORE_STREAM_IDLE_PERIOD';

const DURATION = /^(\d+)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Thrown for an invalid log pipeline variable; `variable` names it. */
export class LogShippingConfigError extends Error {
  override readonly name = 'LogShippingConfigError';
  constructor(
    readonly variable: string,
    readonly value: string,
    reason: string,
  ) {
    super(`${variable}=${JSON.stringify(value)}: ${reason}`);
  }
}

/** A duration both the log store and the collector accept (`500ms`, `60s`, `30m`, `1h`) in ms. */
export function durationMs(text: string): number | undefined {
  const m = DURATION.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}

/** The settings for the environment; throws {@link LogShippingConfigError} for an invalid override. */
export function logShippingSettings(env: NodeJS.ProcessEnv = process.env): LogShippingSettings {
  const override = env[STREAM_IDLE_PERIOD_VARIABLE];
  if (override !== undefined && !durationMs(override)) {
    throw new LogShippingConfigError(
      STREAM_IDLE_PERIOD_VARIABLE,
      override,
      'must be a positive duration such as 60s or 30m',
    );
  }
  return {
    streamIdlePeriod: override ?? (env.OPSIGHT_FAST === '1' ? '60s' : '30m'),
    maxRetryPeriod: '10m',
  };
}
