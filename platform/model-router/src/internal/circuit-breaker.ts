/** States of a circuit breaker. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * A backend's circuit breaker: `failureThreshold` failures in a row open it; after `openMs` one trial call
 * goes through (half-open); its success closes the breaker, its failure opens it again.
 */
export class CircuitBreaker {
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #trialInFlight = false;

  constructor(
    readonly failureThreshold: number,
    readonly openMs: number,
    readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    if (this.#state === 'open' && this.now() - this.#openedAt >= this.openMs) this.#state = 'half-open';
    return this.#state;
  }

  /** Whether a call could go through now (without taking the half-open trial). */
  canPass(): boolean {
    const s = this.state;
    return s === 'closed' || (s === 'half-open' && !this.#trialInFlight);
  }

  /** Takes permission for one call; false when the breaker is open or its trial is taken. */
  tryAcquire(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'half-open' && !this.#trialInFlight) {
      this.#trialInFlight = true;
      return true;
    }
    return false;
  }

  onSuccess(): void {
    this.#state = 'closed';
    this.#failures = 0;
    this.#trialInFlight = false;
  }

  onFailure(): void {
    this.#trialInFlight = false;
    if (this.#state === 'half-open' || ++this.#failures >= this.failureThreshold) {
      this.#state = 'open';
      this.#openedAt = this.now();
      this.#failures = 0;
    }
  }

  /** Gives back a permission whose call ended with neither success nor failure (a client cancel). */
  release(): void {
    this.#trialInFlight = false;
  }
}
