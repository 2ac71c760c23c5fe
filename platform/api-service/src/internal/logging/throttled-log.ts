/**
 * Logs a repeated event at most once per interval per event name, with the number of occurrences since
 * the last line (`occurrences`), so that a dependency outage at 1,000 requests per second writes one warning
 * every few seconds instead of 1,000 per second. Nothing is lost from the counts: every occurrence is in the
 * metric the caller increments; the log line is the human-readable trace of it.
 */
export interface ThrottledLogOptions {
  /** At most one line per event name per this many milliseconds. @default 10000 */
  intervalMs?: number;
  /** Clock (ms), for tests. @default Date.now */
  now?: () => number;
}

export type LogFn = (fields: Record<string, unknown>, message: string) => void;

export class ThrottledLog {
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #events = new Map<string, { lastAt: number; pending: number }>();

  constructor(options: ThrottledLogOptions = {}) {
    this.#intervalMs = options.intervalMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Counts one occurrence of `event`; writes it through `log` when the event's interval has passed,
   * with `occurrences` (this one included) since the last line.
   */
  note(event: string, log: LogFn, fields: Record<string, unknown>, message: string): boolean {
    const now = this.#now();
    const state = this.#events.get(event);
    if (state && now - state.lastAt < this.#intervalMs) {
      state.pending++;
      return false;
    }
    const occurrences = (state?.pending ?? 0) + 1;
    this.#events.set(event, { lastAt: now, pending: 0 });
    log({ ...fields, event, occurrences }, message);
    return true;
  }
}
