import type { Logger } from '@opsight/telemetry';
import { ThrottledLog } from '../internal/logging/throttled-log.js';

/** Warns about a dependency outage: one line per event per 10 s, with the count since the last one. */
export type OutageWarning = (event: string, error: unknown, message: string) => void;

/** The outage warning function of a logger, throttled by `log`. */
export function outageWarning(logger: Logger, log: ThrottledLog = new ThrottledLog()): OutageWarning {
  return (event, error, message) => log.note(event, (f, m) => logger.warn(f, m), { error }, message);
}
