import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { Logger } from '@opsight/telemetry';
import type { BackendConfig, RoutingConfig } from '../config/routing-config.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { UpstreamFailure } from './upstream-client.js';

/** A model-serving instance: its active health and its circuit breaker. */
export class Backend {
  readonly name: string;
  readonly url: string;
  readonly breaker: CircuitBreaker;
  /** Up until health checks say otherwise. */
  healthy = true;
  /** Whether at least one health check has finished. */
  checked = false;
  #passes = 0;
  #fails = 0;
  #down = new AbortController();

  constructor(
    config: BackendConfig,
    readonly settings: RoutingConfig,
  ) {
    this.name = config.name;
    this.url = config.url;
    this.breaker = new CircuitBreaker(
      settings.circuitBreaker.failureThreshold,
      settings.circuitBreaker.openMs,
    );
  }

  /**
   * Aborted (with an {@link UpstreamFailure}) when health checks mark the backend down; a fresh one once it
   * is up again. Tries listen to it, so a frozen backend does not hold its calls until their deadline.
   */
  get downSignal(): AbortSignal {
    return this.#down.signal;
  }

  /** Whether a call may be sent now (healthy and the breaker lets it through). */
  get available(): boolean {
    return this.healthy && this.breaker.canPass();
  }

  /** One health check: `GET /healthz` answered 2xx within the timeout. Logs state changes. */
  async check(log: Logger): Promise<void> {
    const { timeoutMs, unhealthyThreshold, healthyThreshold } = this.settings.healthCheck;
    let ok = false;
    let error: string | undefined;
    try {
      // Health checks are not traced: every 2 s per backend, they would bury the traces of real calls.
      const response = await context.with(suppressTracing(context.active()), () =>
        fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) }),
      );
      ok = response.ok;
      if (!ok) error = `status ${response.status}`;
      await response.body?.cancel();
    } catch (e) {
      error = (e as Error).message;
    }
    this.checked = true;
    if (ok) {
      this.#fails = 0;
      if (!this.healthy && ++this.#passes >= healthyThreshold) {
        this.healthy = true;
        this.#down = new AbortController();
        log.info({ backend: this.name }, `backend ${this.name} is up`);
      }
    } else {
      this.#passes = 0;
      if (this.healthy && ++this.#fails >= unhealthyThreshold) {
        this.healthy = false;
        log.warn({ backend: this.name, error }, `backend ${this.name} is down: health check failed`);
        this.#down.abort(
          new UpstreamFailure(
            `backend ${this.name} went down during the try (health check: ${error})`,
            'connect',
          ),
        );
      }
    }
  }
}

/** Runs every backend's health check every `intervalMs` (the first round at once). */
export class HealthChecker {
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  /** Resolves once every backend has been checked once. */
  readonly firstRound: Promise<void>;

  constructor(
    readonly backends: Backend[],
    readonly intervalMs: number,
    readonly log: Logger,
    /** Runs after every round. */
    readonly onRound: () => void = () => {},
  ) {
    this.firstRound = this.#round();
    this.#timer = setInterval(() => void this.#round(), intervalMs);
    this.#timer.unref();
  }

  async #round(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      await Promise.all(this.backends.map((b) => b.check(this.log)));
      this.onRound();
    } finally {
      this.#running = false;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
