import { ADMIN_PATHS } from '@opsight/contracts/admin';
import { type MetricsSource, renderExposition } from './metrics-exposition.js';

/** One named check: true (or resolving true) when what it checks is fine; throwing counts as failing. */
export type HealthCheck = () => boolean | Promise<boolean>;

/** A check with how much its failure weighs. */
export interface WeightedHealthCheck {
  /** The check itself. */
  check: HealthCheck;
  /**
   * Whether a failure fails the probe (503). A check that is not required only makes the answer say
   * `degraded` (200): for a dependency every replica shares, where failing the probe would take them
   * all out of rotation at once.
   * @default true
   */
  required?: boolean;
}

/** Named checks of a probe; the names appear in the JSON body. */
export type HealthChecks = Readonly<Record<string, HealthCheck | WeightedHealthCheck>>;

/** What a custom admin route answers. */
export interface AdminRouteReply {
  /** @default 200 */
  status?: number;
  /** A string is sent as `text/plain`, anything else as JSON. */
  body: unknown;
}

/**
 * An extra route: an alias of one of the contract endpoints (`'metrics'`, `'live'`, `'ready'`), for a
 * compatibility contract such as Loki's `/ready` or Prometheus's `/-/ready` and `/-/healthy`, or a
 * handler of its own.
 */
export type AdminRoute = keyof typeof ADMIN_PATHS | (() => AdminRouteReply | Promise<AdminRouteReply>);

/** What an admin server serves. */
export interface AdminOptions {
  /**
   * The registries `/metrics` renders (several are rendered as one exposition). OpenMetrics is answered
   * when the scraper's `Accept` asks for it and every registry can write it; the Prometheus text format
   * otherwise. `null`: the component has no metrics and `/metrics` answers 404.
   */
  metrics: MetricsSource | readonly MetricsSource[] | null;
  /**
   * Runs before every scrape, to set gauges that are read on demand (sizes, counts). A throw fails the
   * scrape like a registry error.
   * @default none
   */
  beforeScrape?: () => void | Promise<void>;
  /**
   * Checks of `/healthz` (liveness: a failure means restart the process). Keep them to what a restart
   * fixes.
   * @default none: 200 while the process serves
   */
  live?: HealthChecks;
  /**
   * Checks of `/readyz` (readiness: a failure means send no traffic here yet); the failing required ones
   * are named in the 503 body.
   * @default none: ready as soon as it serves
   */
  ready?: HealthChecks;
  /**
   * Extra routes by path, served beside the contract paths with the same rules (GET and HEAD only).
   * @default {}
   */
  routes?: Readonly<Record<string, AdminRoute>>;
  /**
   * How long one health check may take before it counts as failing, in milliseconds.
   * @default 5000
   */
  checkTimeoutMs?: number;
  /**
   * Told of a failure the answer does not show: a scrape that threw (answered 500), a custom route that
   * threw (500). Log it here; the answer carries only a fixed message.
   * @default none
   */
  onError?: (error: unknown, path: string) => void;
}

/** An admin answer, ready to write on any HTTP server. */
export interface AdminReply {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: string;
}

/** The methods admin paths answer. */
export const ADMIN_METHODS = ['GET', 'HEAD'] as const;

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';
const COMMON = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } as const;

function reply(status: number, contentType: string, body: string, extra: Record<string, string> = {}) {
  return { status, headers: { ...COMMON, 'content-type': contentType, ...extra }, body };
}

function jsonReply(status: number, value: unknown, extra?: Record<string, string>): AdminReply {
  return reply(status, JSON_TYPE, `${JSON.stringify(value)}\n`, extra);
}

/** A JSON error with a stable code and the request field it names. */
export function adminError(status: number, code: string, field: string, message: string): AdminReply {
  return jsonReply(
    status,
    { code, field, message },
    status === 405 ? { allow: ADMIN_METHODS.join(', ') } : {},
  );
}

function withTimeout(check: HealthCheck, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const run = (async () => (await check()) === true)().catch(() => false);
  return Promise.race([run, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The admin endpoints of one component: `/metrics`, `/healthz`, `/readyz` and its extra routes, answered
 * independently of the HTTP server they are mounted on (see `adminRequestHandler`, `fastifyAdmin` and
 * `startAdminServer`).
 */
export class AdminEndpoints {
  readonly #options: AdminOptions;
  readonly #sources: readonly MetricsSource[];
  readonly #routes = new Map<string, AdminRoute>();

  constructor(options: AdminOptions) {
    this.#options = options;
    const m = options.metrics;
    this.#sources = m === null ? [] : Array.isArray(m) ? (m as MetricsSource[]) : [m as MetricsSource];
    if (this.#sources.length > 0) this.#routes.set(ADMIN_PATHS.metrics, 'metrics');
    this.#routes.set(ADMIN_PATHS.live, 'live');
    this.#routes.set(ADMIN_PATHS.ready, 'ready');
    for (const [path, route] of Object.entries(options.routes ?? {})) {
      if (!path.startsWith('/')) throw new Error(`admin route ${JSON.stringify(path)} must start with /`);
      if (this.#routes.has(path)) throw new Error(`admin route ${path} is served twice`);
      if (route === 'metrics' && this.#sources.length === 0)
        throw new Error(`admin route ${path} aliases /metrics, but there are no metrics`);
      this.#routes.set(path, route);
    }
  }

  /** Every path served, contract paths first. */
  get paths(): readonly string[] {
    return [...this.#routes.keys()];
  }

  /** Whether `path` (without the query) is an admin path. */
  serves(path: string): boolean {
    return this.#routes.has(path);
  }

  /**
   * Answers a request for an admin path; `undefined` when `path` is not one (the caller routes it
   * elsewhere). Methods other than GET and HEAD are refused with 405.
   */
  async respond(method: string, path: string, accept?: string): Promise<AdminReply | undefined> {
    const route = this.#routes.get(path);
    if (route === undefined) return undefined;
    const m = method.toUpperCase();
    if (m !== 'GET' && m !== 'HEAD')
      return adminError(405, 'METHOD_NOT_ALLOWED', 'method', `${m} ${path}: only GET and HEAD are served`);
    try {
      if (route === 'metrics') return await this.#metrics(accept);
      if (route === 'live') return await this.#probe(this.#options.live, 'alive');
      if (route === 'ready') return await this.#probe(this.#options.ready, 'ready');
      const out = await route();
      const status = out.status ?? 200;
      return typeof out.body === 'string' ? reply(status, TEXT_TYPE, out.body) : jsonReply(status, out.body);
    } catch (error) {
      this.#options.onError?.(error, path);
      return route === 'metrics'
        ? adminError(
            500,
            'METRICS_UNAVAILABLE',
            'path',
            'rendering the metrics failed; the error is in the log',
          )
        : adminError(500, 'INTERNAL_ERROR', 'path', 'internal error; the error is in the log');
    }
  }

  /** The answer for unknown paths on a port that serves only admin paths. */
  notFound(path: string): AdminReply {
    return adminError(
      404,
      'NOT_FOUND',
      'path',
      `no route ${path}; this port serves ${this.paths.join(', ')}`,
    );
  }

  async #metrics(accept: string | undefined): Promise<AdminReply> {
    await this.#options.beforeScrape?.();
    const e = await renderExposition(this.#sources, accept);
    return reply(200, e.contentType, e.body);
  }

  async #probe(checks: HealthChecks | undefined, word: 'alive' | 'ready'): Promise<AdminReply> {
    const entries = Object.entries(checks ?? {});
    if (entries.length === 0) return jsonReply(200, { status: 'ok' });
    const timeoutMs = this.#options.checkTimeoutMs ?? 5000;
    const results = await Promise.all(
      entries.map(async ([name, c]) => {
        const weighted = typeof c === 'function' ? { check: c } : c;
        const ok = await withTimeout(weighted.check, timeoutMs);
        return { name, ok, required: weighted.required ?? true };
      }),
    );
    const states = Object.fromEntries(results.map((r) => [r.name, r.ok ? 'ok' : 'failing']));
    const failing = results.filter((r) => !r.ok && r.required).map((r) => r.name);
    if (failing.length > 0) return jsonReply(503, { status: `not ${word}`, failing, checks: states });
    const degraded = results.some((r) => !r.ok);
    return jsonReply(200, { status: degraded ? 'degraded' : 'ok', checks: states });
  }
}
