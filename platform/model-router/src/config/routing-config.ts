import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** One model-serving instance. */
export interface BackendConfig {
  /** Name in logs and `GenerateResponse.backend`. */
  name: string;
  /** Base URL (`http://host:port`); the router calls `/v1/chat/completions` and `/healthz` under it. */
  url: string;
}

/** A backend of a model with its share of the model's traffic. */
export interface RouteBackend {
  backend: string;
  /** Relative weight among the model's healthy backends. @default 1 */
  weight: number;
  /** Model name sent to this backend. @default the routed model's name */
  upstreamModel?: string;
}

export interface ModelRoute {
  backends: RouteBackend[];
  /** Models tried, in order, when every backend of this one is down or failed. @default [] */
  fallbacks: string[];
}

export interface RoutingConfig {
  backends: Map<string, BackendConfig>;
  models: Map<string, ModelRoute>;
  healthCheck: {
    /** Between two checks of a backend. @default 2000 */
    intervalMs: number;
    /** A check not answered within this long fails. @default 1000 */
    timeoutMs: number;
    /** Failed checks in a row that mark a backend down. @default 2 */
    unhealthyThreshold: number;
    /** Passed checks in a row that mark it up again. @default 1 */
    healthyThreshold: number;
    /**
     * When checks mark a backend down, its tries in flight are abandoned and moved to the next backend
     * (a stream that has started ends with an error). This is what takes calls off a frozen instance,
     * which accepts connections and never answers, without a per-try timeout that would also cut long
     * completions. @default true
     */
    abortInFlight: boolean;
  };
  retry: {
    /** Tries per call, first included, across backends and fallbacks. @default 3 */
    maxAttempts: number;
    /** Retries allowed as a fraction of the calls in the last 10 s. @default 0.2 */
    budgetRatio: number;
    /** Retries per second always allowed, whatever the ratio. @default 5 */
    minRetriesPerSecond: number;
    /** One try gives up after this long and the next one starts; 0 for none (the call deadline only). @default 0 */
    perTryTimeoutMs: number;
  };
  circuitBreaker: {
    /** Failures in a row that open a backend's breaker. @default 5 */
    failureThreshold: number;
    /** An open breaker lets one trial call through after this long. @default 10000 */
    openMs: number;
  };
  /** Deadline of a call whose client set none (or a later one). @default 60000 */
  deadlineMs: number;
}

/** Thrown for an invalid routing table; `field` is the path of the bad value. */
export class RoutingConfigError extends Error {
  override readonly name = 'RoutingConfigError';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

function obj(v: unknown, field: string): Obj {
  if (!isObj(v)) throw new RoutingConfigError(field, 'expected an object');
  return v;
}

function known(o: Obj, field: string, keys: string[]): void {
  for (const k of Object.keys(o))
    if (k !== '$comment' && !keys.includes(k))
      throw new RoutingConfigError(field ? `${field}.${k}` : k, `unknown key (expected ${keys.join(', ')})`);
}

function num(o: Obj, key: string, field: string, def: number, min: number, max: number, integer = true) {
  const v = o[key];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v)))
    throw new RoutingConfigError(
      field ? `${field}.${key}` : key,
      `expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`,
    );
  return v;
}

/** Validates a parsed routing table; throws {@link RoutingConfigError} naming the first bad field. */
export function parseRoutingConfig(input: unknown): RoutingConfig {
  const root = obj(input, '(root)');
  known(root, '', ['backends', 'models', 'healthCheck', 'retry', 'circuitBreaker', 'deadlineMs']);
  const backends = new Map<string, BackendConfig>();
  for (const [name, raw] of Object.entries(obj(root.backends, 'backends'))) {
    const field = `backends.${name}`;
    if (!NAME.test(name))
      throw new RoutingConfigError(field, 'expected a name of letters, digits, . _ : / -');
    const b = obj(raw, field);
    known(b, field, ['url']);
    let url: URL;
    try {
      url = new URL(String(b.url));
    } catch {
      throw new RoutingConfigError(`${field}.url`, 'expected an http(s) URL');
    }
    if (typeof b.url !== 'string' || !['http:', 'https:'].includes(url.protocol))
      throw new RoutingConfigError(`${field}.url`, 'expected an http(s) URL');
    backends.set(name, { name, url: b.url.replace(/\/+$/, '') });
  }
  if (backends.size === 0) throw new RoutingConfigError('backends', 'expected at least one backend');

  const models = new Map<string, ModelRoute>();
  const rawModels = obj(root.models, 'models');
  for (const [name, raw] of Object.entries(rawModels)) {
    const field = `models.${name}`;
    if (!NAME.test(name))
      throw new RoutingConfigError(field, 'expected a name of letters, digits, . _ : / -');
    const m = obj(raw, field);
    known(m, field, ['backends', 'fallbacks']);
    if (!Array.isArray(m.backends) || m.backends.length === 0)
      throw new RoutingConfigError(`${field}.backends`, 'expected a non-empty array');
    const routeBackends = m.backends.map((rb: unknown, i): RouteBackend => {
      const f = `${field}.backends[${i}]`;
      const r = obj(rb, f);
      known(r, f, ['backend', 'weight', 'upstreamModel']);
      if (typeof r.backend !== 'string' || !backends.has(r.backend))
        throw new RoutingConfigError(`${f}.backend`, 'expected the name of a backend in `backends`');
      if (
        r.upstreamModel !== undefined &&
        (typeof r.upstreamModel !== 'string' || !NAME.test(r.upstreamModel))
      )
        throw new RoutingConfigError(`${f}.upstreamModel`, 'expected a model name');
      return {
        backend: r.backend,
        weight: num(r, 'weight', f, 1, 0, 1_000_000, false),
        ...(r.upstreamModel ? { upstreamModel: r.upstreamModel as string } : {}),
      };
    });
    if (!routeBackends.some((b) => b.weight > 0))
      throw new RoutingConfigError(
        `${field}.backends`,
        'expected at least one backend with a weight above 0',
      );
    const fallbacks = m.fallbacks ?? [];
    if (!Array.isArray(fallbacks) || !fallbacks.every((f) => typeof f === 'string'))
      throw new RoutingConfigError(`${field}.fallbacks`, 'expected an array of model names');
    models.set(name, { backends: routeBackends, fallbacks: fallbacks as string[] });
  }
  if (models.size === 0) throw new RoutingConfigError('models', 'expected at least one model');
  for (const [name, route] of models)
    route.fallbacks.forEach((f, i) => {
      if (!models.has(f) || f === name)
        throw new RoutingConfigError(
          `models.${name}.fallbacks[${i}]`,
          `expected another model of \`models\`, got ${JSON.stringify(f)}`,
        );
    });

  const hc = obj(root.healthCheck ?? {}, 'healthCheck');
  known(hc, 'healthCheck', [
    'intervalMs',
    'timeoutMs',
    'unhealthyThreshold',
    'healthyThreshold',
    'abortInFlight',
  ]);
  if (hc.abortInFlight !== undefined && typeof hc.abortInFlight !== 'boolean')
    throw new RoutingConfigError('healthCheck.abortInFlight', 'expected true or false');
  const retry = obj(root.retry ?? {}, 'retry');
  known(retry, 'retry', ['maxAttempts', 'budgetRatio', 'minRetriesPerSecond', 'perTryTimeoutMs']);
  const cb = obj(root.circuitBreaker ?? {}, 'circuitBreaker');
  known(cb, 'circuitBreaker', ['failureThreshold', 'openMs']);
  return {
    backends,
    models,
    healthCheck: {
      intervalMs: num(hc, 'intervalMs', 'healthCheck', 2000, 10, 3_600_000),
      timeoutMs: num(hc, 'timeoutMs', 'healthCheck', 1000, 1, 600_000),
      unhealthyThreshold: num(hc, 'unhealthyThreshold', 'healthCheck', 2, 1, 100),
      healthyThreshold: num(hc, 'healthyThreshold', 'healthCheck', 1, 1, 100),
      abortInFlight: hc.abortInFlight ?? true,
    },
    retry: {
      maxAttempts: num(retry, 'maxAttempts', 'retry', 3, 1, 10),
      budgetRatio: num(retry, 'budgetRatio', 'retry', 0.2, 0, 1, false),
      minRetriesPerSecond: num(retry, 'minRetriesPerSecond', 'retry', 5, 0, 10_000, false),
      perTryTimeoutMs: num(retry, 'perTryTimeoutMs', 'retry', 0, 0, 3_600_000),
    },
    circuitBreaker: {
      failureThreshold: num(cb, 'failureThreshold', 'circuitBreaker', 5, 1, 1000),
      openMs: num(cb, 'openMs', 'circuitBreaker', 10_000, 1, 3_600_000),
    },
    deadlineMs: num(root, 'deadlineMs', '', 60_000, 1, 3_600_000),
  };
}

/** Reads a routing table from a JSON or YAML file (by extension: .yaml/.yml, else JSON). */
export function loadRoutingConfig(path: string): RoutingConfig {
  const text = readFileSync(path, 'utf8');
  let parsed: unknown;
  try {
    parsed = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new RoutingConfigError(
      '(file)',
      `${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(error as Error).message}`,
    );
  }
  return parseRoutingConfig(parsed);
}
