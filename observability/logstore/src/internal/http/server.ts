// The log store's HTTP server: Loki's API paths, each a route over the store's API object. This file
// owns what is common to every route: authentication, the path table, method checks, error answers and
// the request-duration metric.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ErrorLog,
  errorFields,
  type GuardOptions,
  guardRequestListener,
  guardUpgradeListener,
  stderrErrorLog,
} from '@opsight/http-guard';
import type { SqliteDriverName } from '@opsight/sqlite';
import { adminRequestHandler } from '@opsight/telemetry/admin';
import type { TenantAuthenticator } from '@opsight/tenant-auth';
import { WebSocketServer } from 'ws';
import { LogStoreApi } from '../api/log-store-api.js';
import { LogStoreError, storageWriteError } from '../api/log-store-error.js';
import type { Limits } from '../limits.js';
import { type QueryEngine, QueryError } from '../logql/engine.js';
import { Ruler, type RulerOptions } from '../ruler/ruler.js';
import type { LogStorage } from '../storage/log-storage.js';
import type { StoreMetrics } from '../store-metrics.js';
import { createAccess } from './access.js';
import { BadParam } from './params.js';
import { formParams, readBody, sendJson } from './request.js';
import { indexStats, indexVolume, labelNames, labelValues, series } from './routes/label-index.js';
import { pushRoute } from './routes/push.js';
import { instantQuery, rangeQuery } from './routes/query.js';
import type { RouteContext, RouteHandler } from './routes/route.js';
import {
  isRulesPath,
  prometheusAlerts,
  prometheusRules,
  RULE_BODY_TYPES,
  rulesConfigRoute,
} from './routes/rules.js';
import { buildInfo, flush } from './routes/status.js';
import { tailUpgrade } from './routes/tail.js';

export interface LogStoreOptions {
  /** Directory of the database; `:memory:` for an in-memory store. */
  dataDir: string;
  /** Host to bind. @default '127.0.0.1' */
  host?: string;
  /** Port to bind; 0 picks a free one. @default 3100 */
  port?: number;
  /** Limit overrides for every tenant (Loki limits_config names). @default DEFAULT_LIMITS */
  limits?: Partial<Limits>;
  /**
   * Tenancy by token (`--auth-tokens-file`, a TokensFile): every request but /ready and /metrics must carry
   * `Authorization: Bearer <token>`; the tenant is the token's, and an X-Scope-OrgID naming another
   * tenant is refused (403 TENANT_MISMATCH). Per-tenant limits and the size budget's shares follow
   * that tenant. @default undefined (no tenancy by token)
   */
  tenantAuth?: TenantAuthenticator;
  /**
   * One shared token (`--auth-token-file`), the older and weaker mode: every API request must carry
   * `Authorization: Bearer <token>` (/ready and /metrics excepted), and the tenant is still X-Scope-OrgID. Ignored
   * when `tenantAuth` is set. @default undefined
   */
  authToken?: string;
  /**
   * Multi-tenant mode (Loki's auth_enabled): X-Scope-OrgID is required. Otherwise requests without
   * it use the tenant `fake`, as single-tenant Loki does. @default false
   */
  requireTenant?: boolean;
  /** Retention by age in ms (0 keeps forever). @default 0 */
  retentionMaxAgeMs?: number;
  /**
   * Retention by size (`--retention-bytes`): budget in bytes of database pages in use, enforced
   * oldest first, periodically and after writes; 0 is unbounded. @default 2 GiB, or a fifth of
   * the data directory's filesystem if smaller (defaultRetentionBytes)
   */
  retentionMaxBytes?: number;
  /** Seconds a client is told to wait (Retry-After) when the disk is full. @default 5 */
  storageFullRetryAfterSeconds?: number;
  /** How often retention runs, ms. @default 60000 */
  retentionIntervalMs?: number;
  /**
   * How often entries older than the out-of-order window are sealed into compressed chunks, ms;
   * 0 turns sealing off (POST /flush still seals). @default 30000
   */
  sealIntervalMs?: number;
  /** Commit durability: see StorageOptions.sync. @default 'normal' */
  sync?: 'normal' | 'full';
  /** The SQLite driver of the database. @default DEFAULT_SQLITE_DRIVER of @opsight/sqlite */
  sqliteDriver?: SqliteDriverName;
  /** Worker threads that decode push bodies: see LogStoreApiOptions.decodeWorkers. @default 0 */
  decodeWorkers?: number;
  /**
   * Worker threads that run queries over read-only connections (`--query-workers`); 0 runs them on the
   * main thread, as a `:memory:` store always does. @default 0
   */
  queryWorkers?: number;
  /**
   * How long a query worker may take to stop a query past its deadline or its client's abort before it is
   * terminated and replaced, ms. @default 2000
   */
  queryWorkerGraceMs?: number;
  /** The module the query workers run. @default the store's query worker (query-pool/query-worker.js) */
  queryWorkerFile?: URL;
  /**
   * Largest accepted request body in bytes, on the wire and again once decompressed (checked while
   * decompressing: a decompression bomb stops at this size). @default 67108864 (64 MiB)
   */
  maxBodyBytes?: number;
  /**
   * Browser safety (@opsight/http-guard): Host names besides loopback names and IP literals, origins that
   * may push and tail besides the console's. Env `OPSIGHT_ALLOWED_HOSTS` and `OPSIGHT_ALLOWED_ORIGINS` add
   * to these. @default {} (loopback names, IP literals; the console's origin)
   */
  guard?: Pick<GuardOptions, 'allowedHosts' | 'allowedOrigins'>;
  /**
   * Where the error behind a 500 INTERNAL answer, a 503 STORAGE_* answer or a tail closed with 1011 goes:
   * the answer says only the code and fixed words. @default one JSON line on stderr (stderrErrorLog)
   */
  logError?: ErrorLog;
  /**
   * The ruler (`--rules-dir` and the `--ruler-*` flags): rule groups loaded from a directory, Loki's rules
   * API, evaluation, alerts to Alertmanager and samples by remote write. A bad rule file makes
   * createLogStore throw a RuleFileError naming every problem. @default undefined (no ruler; the rules
   * API answers 404 RULER_DISABLED)
   */
  ruler?: RulerOptions;
}

const PUSH_TYPES = ['application/json', 'application/x-protobuf'] as const;
const QUERY_TYPES = ['application/x-www-form-urlencoded'] as const;

/** The media types a write may declare: Loki's and OTLP's JSON or protobuf on pushes; elsewhere a form. */
export function logstoreWriteTypes(path: string): readonly string[] {
  const p = path.replace(/\/+$/, '');
  if (isRulesPath(p)) return RULE_BODY_TYPES;
  return p === '/loki/api/v1/push' || p === '/api/prom/push' || p === '/otlp/v1/logs'
    ? PUSH_TYPES
    : QUERY_TYPES;
}

export interface LogStore {
  readonly server: Server;
  /** The store's operations, without HTTP. */
  readonly api: LogStoreApi;
  readonly storage: LogStorage;
  readonly engine: QueryEngine;
  readonly metrics: StoreMetrics;
  /** The ruler, when the store runs one. */
  readonly ruler: Ruler | undefined;
  /** Base URL once listening, e.g. http://127.0.0.1:3100 */
  url: string;
  listen(): Promise<string>;
  /** Runs retention once now. */
  retain(nowMs?: number): number;
  close(): Promise<void>;
}

/** A route of the table: the methods it answers and its name in loki_request_duration_seconds. */
interface Route {
  methods: readonly string[] | 'any';
  handle: RouteHandler;
}

const POST_ONLY = ['POST'];
const GET_OR_POST = ['GET', 'POST'];
const LABEL_VALUES = /^\/loki\/api\/v1\/label\/([^/]+)\/values$/;

export function createLogStore(options: LogStoreOptions): LogStore {
  const api = new LogStoreApi({
    ...options,
    tenants: () => options.tenantAuth?.tenants() ?? [],
  });
  const maxBody = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const retryAfter = options.storageFullRetryAfterSeconds ?? 5;
  const logError = options.logError ?? stderrErrorLog('logstore');
  const access = createAccess(options);
  const ruler = options.ruler ? new Ruler(api, options.ruler) : undefined;
  try {
    ruler?.load();
  } catch (e) {
    api.close();
    throw e;
  }

  // API routes by path (after /api/prom/ → /loki/api/v1/); each answers to its name in the metric.
  const routes = new Map<string, Route>([
    ['/loki/api/v1/status/buildinfo', { methods: 'any', handle: buildInfo }],
    ['/loki/api/v1/push', { methods: POST_ONLY, handle: pushRoute('loki', maxBody) }],
    ['/otlp/v1/logs', { methods: POST_ONLY, handle: pushRoute('otlp', maxBody) }],
    ['/loki/api/v1/query', { methods: GET_OR_POST, handle: instantQuery }],
    ['/loki/api/v1/query_range', { methods: GET_OR_POST, handle: rangeQuery }],
    ['/loki/api/v1/labels', { methods: GET_OR_POST, handle: labelNames }],
    ['/loki/api/v1/series', { methods: GET_OR_POST, handle: series }],
    ['/loki/api/v1/index/stats', { methods: GET_OR_POST, handle: indexStats }],
    ['/loki/api/v1/index/volume', { methods: GET_OR_POST, handle: indexVolume }],
    ['/prometheus/api/v1/rules', { methods: ['GET'], handle: prometheusRules }],
    ['/prometheus/api/v1/alerts', { methods: ['GET'], handle: prometheusAlerts }],
  ]);

  // Open, as Loki serves them: Prometheus scrapes without a tenant token. The metrics hold counts per
  // tenant name, no log content. /ready is Loki's readiness path.
  const admin = adminRequestHandler({
    metrics: api.metrics.registry,
    beforeScrape: () => {
      api.metrics.storageBytes.set(api.storage.usedBytes());
      for (const t of api.ingester.active.tenants())
        api.metrics.streams.set({ tenant: t }, api.ingester.activeStreams(t));
    },
    routes: { '/ready': 'ready' },
    onError: (e, path) =>
      logError({ message: 'request failed', code: 'INTERNAL', method: 'GET', path, ...errorFields(e) }),
  });

  /** Runs the request's route; returns the route's name for the request-duration metric. */
  const route = async (req: IncomingMessage, res: ServerResponse): Promise<string> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (await admin(req, res)) return path;
    const ctx: RouteContext = {
      req,
      res,
      url,
      api,
      ...(ruler ? { ruler } : {}),
      tenant: () => access.tenantOf(req),
      body: () => readBody(req, maxBody),
      params: () => formParams(req, url, maxBody),
    };
    access.checkAuth(req);
    if (path === '/flush') {
      if (method !== 'POST') throw new LogStoreError('METHOD_NOT_ALLOWED', 'use POST');
      await flush(ctx);
      return path;
    }
    if (isRulesPath(path)) return rulesConfigRoute(ctx, path);
    const name = path.replace(/^\/api\/prom\//, '/loki/api/v1/');
    const r = routes.get(name);
    if (r && r.methods !== GET_OR_POST) {
      if (r.methods !== 'any' && !r.methods.includes(method))
        throw new LogStoreError('METHOD_NOT_ALLOWED', `use ${r.methods.join(' or ')}`);
      await r.handle(ctx);
      return name;
    }
    if (!GET_OR_POST.includes(method)) throw new LogStoreError('METHOD_NOT_ALLOWED', 'use GET or POST');
    if (r) {
      await r.handle(ctx);
      return name;
    }
    const label = LABEL_VALUES.exec(name);
    if (label) {
      await labelValues(label[1]!)(ctx);
      return '/loki/api/v1/label/values';
    }
    throw new LogStoreError('NOT_FOUND', `no route for ${method} ${url.pathname}`);
  };

  /** The answer to a failed request: the refusal's code and field, or 500 INTERNAL with the error logged. */
  const answerError = (req: IncomingMessage, res: ServerResponse, error: unknown): void => {
    let e = error;
    const failure = e instanceof LogStoreError ? undefined : storageWriteError(e, retryAfter);
    if (failure) {
      logError({ message: 'write failed; answered 503', code: failure.code, ...errorFields(e) });
      e = failure;
    }
    if (e instanceof LogStoreError) {
      if (e.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(e.retryAfterSeconds));
      if (e.status === 413) {
        res.setHeader('connection', 'close');
        res.on('finish', () => req.destroy());
      }
      sendJson(res, e.status, { status: 'error', code: e.code, error: e.message, field: e.field });
    } else if (e instanceof QueryError)
      sendJson(res, e.status, { status: 'error', code: e.code, error: e.message, field: e.field });
    else if (e instanceof BadParam)
      sendJson(res, 400, { status: 'error', code: 'INVALID_PARAMETER', error: e.message, field: e.field });
    else {
      // A bug or a failed read: the answer says only the code; the error is in the log line.
      logError({
        message: 'request failed',
        code: 'INTERNAL',
        method: req.method,
        path: (req.url ?? '/').split('?')[0],
        ...errorFields(e),
      });
      sendJson(res, 500, { status: 'error', code: 'INTERNAL', error: 'internal error' });
    }
  };

  const handleRequest = (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    route(req, res)
      .catch((e: unknown) => {
        if (res.headersSent) res.destroy();
        else answerError(req, res, e);
        return 'error';
      })
      .then((r) => {
        api.metrics.requestDuration.observe(
          { method: req.method ?? '', route: r, status_code: String(res.statusCode) },
          (performance.now() - started) / 1000,
        );
      });
  };
  const guard: GuardOptions = { ...options.guard, writeContentTypes: logstoreWriteTypes };
  const server = createServer(guardRequestListener(handleRequest, guard));
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', guardUpgradeListener(tailUpgrade(api, access, wss, logError), guard));

  const store: LogStore = {
    server,
    api,
    storage: api.storage,
    engine: api.engine,
    metrics: api.metrics,
    ruler,
    url: '',
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 3100, options.host ?? '127.0.0.1', () => {
          const a = server.address() as AddressInfo;
          const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
          store.url = `http://${host}:${a.port}`;
          api.start();
          ruler?.start();
          resolve(store.url);
        });
      }),
    retain: (nowMs) => api.retain(nowMs),
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await ruler?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      api.close();
    },
  };
  return store;
}
