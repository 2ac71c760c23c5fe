import type { Counter } from 'prom-client';

/** Something that can write a warning line. */
export interface WarnSink {
  warn(fields: object, message: string): void;
}

/**
 * Reports the SDK's own errors: every error is counted, but each component logs at most once per
 * interval (with the number suppressed since its last line), so a dead trace backend cannot flood logs.
 */
export class ErrorReporter {
  readonly #last = new Map<string, { at: number; suppressed: number }>();
  readonly #intervalMs: number;
  readonly #counter: Counter<'component'>;
  #sink: WarnSink | undefined;

  constructor(counter: Counter<'component'>, intervalMs: number) {
    this.#counter = counter;
    this.#intervalMs = intervalMs;
  }

  /** Where lines go (set once the logger exists). */
  setSink(sink: WarnSink): void {
    this.#sink = sink;
  }

  report(component: string, error: unknown): void {
    this.#counter.inc({ component });
    const now = Date.now();
    const state = this.#last.get(component);
    if (state && now - state.at < this.#intervalMs) {
      state.suppressed++;
      return;
    }
    const suppressed = state?.suppressed ?? 0;
    this.#last.set(component, { at: now, suppressed: 0 });
    const err = error instanceof Error ? error : new Error(String(error));
    try {
      this.#sink?.warn(
        { component, error: err, suppressed_since_last: suppressed },
        `telemetry ${component} error`,
      );
    } catch {
      // The logger itself failing must not throw into the caller; the counter above has it.
    }
  }
}
