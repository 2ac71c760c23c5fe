import {
  MODEL_OTHER,
  modelRouterBackendUp,
  modelRouterCircuitOpen,
  modelRouterFallbacksTotal,
  modelRouterRetriesTotal,
} from '@opsight/catalog';
import type { Logger, MetricsRegistry } from '@opsight/telemetry';
import type { RoutingConfig } from './config/routing-config.js';
import { Backend, HealthChecker } from './internal/backend.js';
import { RetryBudget } from './internal/retry-budget.js';
import { RouterError } from './internal/router-error.js';
import {
  complete,
  completeStream,
  type UpstreamChunk,
  type UpstreamCompletion,
  UpstreamFailure,
  type UpstreamRequest,
} from './internal/upstream-client.js';

/** One try's target: a model of the chain (the requested one or a fallback) on one of its backends. */
interface Target {
  model: string;
  upstreamModel: string;
  backend: Backend;
}

/** Where and how a call ended up. */
export interface RouteResult<T> {
  value: T;
  model: string;
  backend: string;
  attempts: number;
}

export interface CallOptions {
  /** Absolute deadline (ms since the epoch); the router's own `deadlineMs` caps it. */
  deadline?: number;
  /** Aborted when the caller goes away. */
  signal: AbortSignal;
  /** Extra request headers (X-Request-ID). */
  headers?: Record<string, string>;
}

/**
 * Routes completions over the routing table: for the requested model and then its fallbacks, the healthy
 * backends whose breaker is closed, in weighted random order; failed tries move on while the attempt
 * limit, the retry budget and the deadline allow.
 */
export class Router {
  readonly backends: Map<string, Backend>;
  readonly health: HealthChecker;
  readonly #budget: RetryBudget;
  readonly #metrics: ReturnType<typeof routerMetrics> | undefined;
  readonly created = Math.floor(Date.now() / 1000);

  constructor(
    readonly config: RoutingConfig,
    readonly log: Logger,
    options: {
      /** Registry for the `model_router_*` families. @default none */
      metrics?: MetricsRegistry;
      /** Source of the weighted backend order. @default Math.random */
      random?: () => number;
    } = {},
  ) {
    this.random = options.random ?? Math.random;
    this.#metrics = options.metrics ? routerMetrics(options.metrics) : undefined;
    this.backends = new Map([...config.backends.values()].map((b) => [b.name, new Backend(b, config)]));
    this.health = new HealthChecker([...this.backends.values()], config.healthCheck.intervalMs, log, () =>
      this.#refreshGauges(),
    );
    this.#budget = new RetryBudget(config.retry.budgetRatio, config.retry.minRetriesPerSecond);
    this.#refreshGauges();
  }

  readonly random: () => number;

  /** Sets the backend gauges from the health and breaker states now. */
  #refreshGauges(): void {
    if (!this.#metrics) return;
    for (const b of this.backends.values()) {
      this.#metrics.up.set({ backend: b.name }, b.healthy ? 1 : 0);
      this.#metrics.open.set({ backend: b.name }, b.breaker.state === 'closed' ? 0 : 1);
    }
  }

  /** The model's label value: itself when routed, `other` otherwise. */
  modelLabel(model: string): string {
    return this.config.models.has(model) ? model : MODEL_OTHER;
  }

  /** Models with their availability now. */
  models(): { id: string; available: boolean }[] {
    return [...this.config.models].map(([id, route]) => ({
      id,
      available: route.backends.some((rb) => rb.weight > 0 && this.backends.get(rb.backend)!.available),
    }));
  }

  /** The tries for a model: its chain of models, each with its available backends in weighted order. */
  #targets(model: string): Target[] {
    const route = this.config.models.get(model);
    if (!route) throw new RouterError('MODEL_NOT_FOUND', `model: no route for ${JSON.stringify(model)}`);
    const chain = [model, ...route.fallbacks];
    const targets: Target[] = [];
    for (const m of chain) {
      const candidates = this.config.models
        .get(m)!
        .backends.filter((rb) => rb.weight > 0 && this.backends.get(rb.backend)!.available)
        .map((rb) => ({ rb, key: this.random() ** (1 / rb.weight) }))
        .sort((a, b) => b.key - a.key);
      for (const { rb } of candidates)
        targets.push({
          model: m,
          upstreamModel: rb.upstreamModel ?? m,
          backend: this.backends.get(rb.backend)!,
        });
    }
    return targets;
  }

  /** One completion. Throws {@link RouterError}. */
  generate(request: UpstreamRequest, options: CallOptions): Promise<RouteResult<UpstreamCompletion>> {
    return this.#route(request, options, (target, req, headers, signal) =>
      complete(target.backend.url, req, headers, signal),
    );
  }

  /**
   * A streamed completion: resolves once a backend has started answering (tries before that may move to
   * another backend), then yields its chunks. Throws {@link RouterError}.
   */
  generateStream(
    request: UpstreamRequest,
    options: CallOptions,
  ): Promise<RouteResult<AsyncGenerator<UpstreamChunk>>> {
    return this.#route(
      request,
      options,
      async (target, req, headers, signal) => {
        const chunks = await completeStream(target.backend.url, req, headers, signal);
        // The first chunk decides whether this backend really answers.
        const first = await chunks.next();
        return (async function* () {
          if (!first.done) yield first.value;
          yield* chunks;
        })();
      },
      true,
    );
  }

  async #route<T>(
    request: UpstreamRequest,
    options: CallOptions,
    call: (
      target: Target,
      request: UpstreamRequest,
      headers: Record<string, string>,
      signal: AbortSignal,
    ) => Promise<T>,
    streaming = false,
  ): Promise<RouteResult<T>> {
    const targets = this.#targets(request.model);
    if (targets.length === 0)
      throw new RouterError(
        'BACKEND_UNAVAILABLE',
        `every backend of ${request.model} and its fallbacks is down`,
      );
    this.#budget.recordCall();
    const deadline = Math.min(
      options.deadline ?? Number.POSITIVE_INFINITY,
      Date.now() + this.config.deadlineMs,
    );
    const { maxAttempts, perTryTimeoutMs } = this.config.retry;
    let attempts = 0;
    let last: UpstreamFailure | undefined;
    for (const target of targets) {
      if (attempts >= maxAttempts) break;
      if (attempts > 0 && !this.#budget.tryRetry()) {
        this.log.warn({ model_name: request.model }, 'retry budget spent: no more tries');
        break;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      if (!target.backend.breaker.tryAcquire()) continue;
      attempts++;
      if (attempts > 1) this.#metrics?.retries.inc({ model_name: request.model });
      // The call's deadline holds to the end (of a stream too); the per-try timeout only until the
      // backend answers (a stream's first chunk), so that it never cuts a stream that has started.
      const tryAbort = new AbortController();
      const tryTimer =
        perTryTimeoutMs > 0 && perTryTimeoutMs < remaining
          ? setTimeout(
              () => tryAbort.abort(new DOMException('the try timed out', 'TimeoutError')),
              perTryTimeoutMs,
            )
          : undefined;
      const signal = AbortSignal.any([
        options.signal,
        AbortSignal.timeout(remaining),
        tryAbort.signal,
        ...(this.config.healthCheck.abortInFlight ? [target.backend.downSignal] : []),
      ]);
      try {
        const value = await call(
          target,
          { ...request, model: target.upstreamModel },
          options.headers ?? {},
          signal,
        );
        clearTimeout(tryTimer);
        target.backend.breaker.onSuccess();
        if (target.model !== request.model) this.#metrics?.fallbacks.inc({ model_name: request.model });
        this.#refreshGauges();
        return { value, model: target.model, backend: target.backend.name, attempts };
      } catch (error) {
        clearTimeout(tryTimer);
        const failure =
          error instanceof UpstreamFailure ? error : new UpstreamFailure(String(error), 'malformed');
        if (failure.kind === 'aborted' || options.signal.aborted) {
          target.backend.breaker.release();
          throw new RouterError('CLIENT_CANCELLED', 'the caller went away');
        }
        if (!failure.backendFault) {
          target.backend.breaker.onSuccess();
          throw failure.status === 400
            ? new RouterError('INVALID_REQUEST', `the backend refused the request: ${failure.message}`)
            : new RouterError('UPSTREAM_ERROR', `the backend refused the request: ${failure.message}`);
        }
        target.backend.breaker.onFailure();
        this.#refreshGauges();
        last = failure;
        this.log.warn(
          {
            model_name: target.model,
            backend: target.backend.name,
            attempt: attempts,
            error: failure.message,
            breaker: target.backend.breaker.state,
            stream: streaming,
          },
          `try ${attempts} on ${target.backend.name} failed`,
        );
      }
    }
    if (Date.now() >= deadline || last?.kind === 'timeout')
      throw new RouterError('UPSTREAM_TIMEOUT', `no backend answered ${request.model} within the deadline`);
    if (!last)
      throw new RouterError(
        'BACKEND_UNAVAILABLE',
        `every backend of ${request.model} and its fallbacks is down`,
      );
    if (last.kind === 'connect' || last.status === 503 || last.status === 429)
      throw new RouterError(
        'BACKEND_UNAVAILABLE',
        `no backend of ${request.model} could answer: ${last.message}`,
      );
    throw new RouterError('UPSTREAM_ERROR', `the backends of ${request.model} failed: ${last.message}`);
  }

  close(): void {
    this.health.stop();
  }
}

function routerMetrics(metrics: MetricsRegistry) {
  return {
    up: metrics.gauge(modelRouterBackendUp),
    open: metrics.gauge(modelRouterCircuitOpen),
    retries: metrics.counter(modelRouterRetriesTotal),
    fallbacks: metrics.counter(modelRouterFallbacksTotal),
  };
}
