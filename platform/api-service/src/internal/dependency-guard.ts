/**
 * Bounds what a request waits for a dependency (Redis, PostgreSQL): every call gets a deadline, and once
 * a call has failed, calls are refused at once for `backoffMs` (then the next call tries again). A dead
 * or frozen dependency therefore costs a request at most one `timeoutMs`, and most requests nothing; the
 * caller decides what a refusal means (fail open, bypass a cache, answer 503).
 *
 * Guarantee: a guarded call settles within `timeoutMs` (the abandoned operation may still complete later;
 * callers only guard operations that are harmless to complete late, such as a cache write or a counter).
 */
export interface DependencyGuardOptions {
  /** A call not settled after this long fails with {@link DependencyUnavailable}. @default 250 */
  timeoutMs?: number;
  /** After a failure, calls fail at once for this long. @default 1000 */
  backoffMs?: number;
  /** Clock (ms), for tests. @default Date.now */
  now?: () => number;
}

/** Why a guarded call failed: the dependency is down, slow or in its back-off. */
export class DependencyUnavailable extends Error {
  override readonly name = 'DependencyUnavailable';
  constructor(
    readonly dependency: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${dependency}: ${message}`, options);
  }
}

export class DependencyGuard {
  readonly #timeoutMs: number;
  readonly #backoffMs: number;
  readonly #now: () => number;
  #downUntil = 0;
  #lastError: unknown;

  constructor(
    readonly dependency: string,
    options: DependencyGuardOptions = {},
  ) {
    this.#timeoutMs = options.timeoutMs ?? 250;
    this.#backoffMs = options.backoffMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Whether the last call failed less than `backoffMs` ago. */
  get down(): boolean {
    return this.#now() < this.#downUntil;
  }

  /** Runs `operation` with the deadline; fails at once while in back-off. */
  async run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.down) {
      throw new DependencyUnavailable(this.dependency, 'unavailable (recent failure)', {
        cause: this.#lastError,
      });
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        operation(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(new DependencyUnavailable(this.dependency, `no answer within ${this.#timeoutMs} ms`)),
            this.#timeoutMs,
          );
        }),
      ]);
      this.#downUntil = 0;
      return result;
    } catch (error) {
      this.markDown(error);
      throw error instanceof DependencyUnavailable
        ? error
        : new DependencyUnavailable(this.dependency, (error as Error)?.message ?? String(error), {
            cause: error,
          });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts a back-off now (a failure seen outside `run`, e.g. by a health check). */
  markDown(error: unknown): void {
    this.#lastError = error;
    this.#downUntil = this.#now() + this.#backoffMs;
  }

  /** Ends the back-off (a health check saw the dependency answer). */
  markUp(): void {
    this.#downUntil = 0;
  }
}
