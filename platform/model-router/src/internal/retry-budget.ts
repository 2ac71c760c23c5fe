/**
 * A retry budget (as in Finagle and Envoy): over a sliding window of 10 one-second buckets, retries may
 * reach `ratio` × calls plus `minPerSecond` × 10, so that retries cannot multiply the load of a failing
 * backend.
 */
export class RetryBudget {
  readonly #calls = new Array<number>(10).fill(0);
  readonly #retries = new Array<number>(10).fill(0);
  #second = 0;

  constructor(
    readonly ratio: number,
    readonly minPerSecond: number,
    readonly now: () => number = Date.now,
  ) {}

  #advance(): number {
    const second = Math.floor(this.now() / 1000);
    if (second - this.#second >= 10) {
      this.#calls.fill(0);
      this.#retries.fill(0);
    } else {
      for (let s = this.#second + 1; s <= second; s++) {
        this.#calls[s % 10] = 0;
        this.#retries[s % 10] = 0;
      }
    }
    this.#second = second;
    return second % 10;
  }

  /** Counts one call (not its retries). */
  recordCall(): void {
    this.#calls[this.#advance()]!++;
  }

  /** Takes one retry from the budget; false when it is spent. */
  tryRetry(): boolean {
    const slot = this.#advance();
    const calls = this.#calls.reduce((a, b) => a + b, 0);
    const retries = this.#retries.reduce((a, b) => a + b, 0);
    if (retries + 1 > this.ratio * calls + this.minPerSecond * 10) return false;
    this.#retries[slot]!++;
    return true;
  }
}
