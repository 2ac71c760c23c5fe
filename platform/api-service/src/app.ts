import { randomUUID } from 'node:crypto';
import { apiUsageRowsQueued, apiUsageRowsTotal } from '@opsight/catalog';
import { fastifyTelemetry, getTelemetry, type Telemetry } from '@opsight/telemetry';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { ADMIN_API_PREFIX } from './admin/key-admin-contract.js';
import { UsageWriter } from './internal/db/usage-writer.js';
import { DependencyGuard } from './internal/dependency-guard.js';
import { KnownModels } from './internal/known-models.js';
import { ThrottledLog } from './internal/logging/throttled-log.js';
import { RequestGate } from './internal/redis/request-gate.js';
import { ResponseCache, type ResponseCacheScope } from './internal/redis/response-cache.js';
import { ApiKeyCache } from './keys/api-key-cache.js';
import { ApiKeyStore } from './keys/api-key-store.js';
import { apiCallPlugin } from './plugins/api-call.js';
import { authPlugin } from './plugins/auth.js';
import { chatRoutePlugin } from './plugins/chat-route.js';
import { dependencyHealthPlugin } from './plugins/dependency-health.js';
import { errorHandlingPlugin } from './plugins/error-handling.js';
import { gaugesPlugin } from './plugins/gauges.js';
import { keyAdminPlugin } from './plugins/key-admin.js';
import { limitsPlugin } from './plugins/limits.js';
import { modelsRoutePlugin } from './plugins/models-route.js';
import { outageWarning } from './plugins/outage-log.js';
import { responseCachePlugin } from './plugins/response-cache.js';
import { usagePlugin } from './plugins/usage.js';
import type { ModelRouterClient } from './router/model-router-client.js';

export interface ApiServiceOptions {
  /** PostgreSQL pool (API keys, usage rows); the schema must be migrated (`migrate`). */
  pool: Pool;
  /** Redis client (limits, cache, active users). */
  redis: Redis;
  /** The model router's client. */
  router: ModelRouterClient;
  /** @default the process's telemetry (`getTelemetry()`) */
  telemetry?: Telemetry;
  /** Requests per minute of a key without its own limit. @default 600 */
  defaultRpm?: number;
  /** Tokens per minute of a key without its own limit. @default 200000 */
  defaultTpm?: number;
  /** Lifetime of a cached `temperature: 0` answer. @default 300 */
  cacheTtlSeconds?: number;
  /**
   * Who shares cached answers: `user` (each user their own) or `shared` (everyone: a hit then reveals
   * that someone sent the same prompt; see the README). @default 'user'
   */
  cacheScope?: ResponseCacheScope;
  /** Largest accepted request body. @default 1048576 */
  bodyLimitBytes?: number;
  /**
   * A key's record is reused for this long before it is read again, so a revocation takes effect within
   * it. 0 reads the database on every request. @default 5000
   */
  keyCacheTtlMs?: number;
  /**
   * While PostgreSQL cannot be reached, a key whose record was read less than this long ago still
   * authenticates from memory (its status and expiry still apply); other keys get 503
   * AUTH_BACKEND_UNAVAILABLE. 0 turns the fallback off. @default 300000
   */
  keyFallbackTtlMs?: number;
  /** Most key records kept in memory (least recently used evicted first). @default 10000 */
  keyCacheMaxEntries?: number;
  /**
   * What happens to a request whose rate limits cannot be checked because Redis is down: `open` admits it
   * (counted in `rate_limit_unchecked_total{outcome="admitted"}` and logged), `closed` refuses it with
   * 503 DEPENDENCY_UNAVAILABLE. @default 'open'
   */
  rateLimitFailMode?: 'open' | 'closed';
  /** A Redis call (limits, cache) not answered within this long counts as Redis being down. @default 250 */
  redisTimeoutMs?: number;
  /** A key lookup in PostgreSQL not answered within this long counts as PostgreSQL being down. @default 2000 */
  postgresTimeoutMs?: number;
  /**
   * After a Redis or PostgreSQL call failed, requests skip that dependency for this long (no waiting on a
   * dead server), then try it again. @default 1000
   */
  dependencyBackoffMs?: number;
  /** How often PostgreSQL and Redis are pinged for `api_dependency_up`. @default 5000 */
  dependencyCheckMs?: number;
  /** `Retry-After` of the 503s answered while a dependency is down. @default 5 */
  unavailableRetryAfterSeconds?: number;
  /** Usage rows kept in memory while PostgreSQL is down; beyond, they are dropped and counted. @default 20000 */
  usageMaxQueued?: number;
  /** How often the key expiry gauge is reloaded from the database. @default 60000 */
  expiryRefreshMs?: number;
  /** How often the active-user gauges are read from Redis. @default 15000 */
  activeUsersRefreshMs?: number;
  /** How often the routed models (bounding the `model_name` label) are reloaded. @default 30000 */
  modelsRefreshMs?: number;
  /** At most this many keys get an expiry series. @default 10000 */
  maxExpirySeries?: number;
  /** Usage rows per INSERT. @default 200 */
  usageBatchSize?: number;
  /** A partial usage batch is written after this long. @default 1000 */
  usageFlushIntervalMs?: number;
  /**
   * The admin key of the key admin API (`/admin/v1/keys`): callers send `Authorization: Bearer <admin
   * key>`. @default undefined (the admin API is off: its paths answer 404)
   */
  adminKey?: string;
  /** Log prompt and completion text (off unless explicitly enabled). @default false */
  logContent?: boolean;
  /** Clock (ms) of the rate-limit windows, for tests. @default Date.now */
  now?: () => number;
}

/** The service: its Fastify app, and what it runs beside it. */
export interface ApiService {
  readonly app: FastifyInstance;
  /** Reloads every gauge now (key expiry, active users, routed models). */
  refresh(): Promise<void>;
  /** Writes the queued usage rows now. */
  flushUsage(): Promise<void>;
  /** Stops the timers, closes the app and writes the queued usage rows (the pool and Redis stay open). */
  close(): Promise<void>;
}

/**
 * Builds the API service on a migrated database and a Redis client: the stores and guards it shares, and
 * the Fastify app made of one plugin per concern (call state, errors, auth, limits, response cache,
 * usage, chat and models routes, dependency health, gauges, key admin API).
 */
export function buildApiService(options: ApiServiceOptions): ApiService {
  const telemetry = options.telemetry ?? getTelemetry();
  const { logger } = telemetry;
  const { pool, redis, router } = options;
  const store = new ApiKeyStore(pool);
  const gate = new RequestGate(redis, { now: options.now });
  const cache = new ResponseCache(redis, options.cacheTtlSeconds ?? 300, options.cacheScope ?? 'user');
  const retryAfterSeconds = options.unavailableRetryAfterSeconds ?? 5;
  const backoffMs = options.dependencyBackoffMs ?? 1000;
  const redisGuard = new DependencyGuard('redis', { timeoutMs: options.redisTimeoutMs ?? 250, backoffMs });
  const pgGuard = new DependencyGuard('postgres', {
    timeoutMs: options.postgresTimeoutMs ?? 2000,
    backoffMs,
  });
  // Outage warnings: one line per event per 10 s, with the count since the last one.
  const outageLog = new ThrottledLog();
  const warnOutage = outageWarning(logger, outageLog);
  const models = new KnownModels();
  const logContent = options.logContent ?? false;
  // Recently read key records, by hash (also the fallback while PostgreSQL is down).
  const keyCache = new ApiKeyCache({
    freshMs: options.keyCacheTtlMs ?? 5000,
    fallbackMs: options.keyFallbackTtlMs ?? 300_000,
    maxEntries: options.keyCacheMaxEntries,
  });
  const usage = usageWriter(options, telemetry, pgGuard, outageLog);

  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
  });
  app.register(fastifyTelemetry, { telemetry });
  // JSON only: a text/plain body is refused with 415 instead of reaching the handler as a string.
  app.removeContentTypeParser('text/plain');
  app.register(apiCallPlugin);
  app.register(errorHandlingPlugin, { telemetry });
  app.register(authPlugin, {
    keys: store,
    keyCache,
    guard: pgGuard,
    telemetry,
    warnOutage,
    retryAfterSeconds,
  });
  app.register(limitsPlugin, {
    gate,
    guard: redisGuard,
    telemetry,
    warnOutage,
    defaultRpm: options.defaultRpm ?? 600,
    defaultTpm: options.defaultTpm ?? 200_000,
    failMode: options.rateLimitFailMode ?? 'open',
    retryAfterSeconds,
  });
  app.register(responseCachePlugin, { cache, guard: redisGuard, telemetry, warnOutage });
  app.register(usagePlugin, { usage, models, telemetry, logContent });
  app.register(dependencyHealthPlugin, {
    postgres: { ping: () => pool.query('SELECT 1'), guard: pgGuard },
    redis: { ping: () => redis.ping(), guard: redisGuard },
    telemetry,
    checkEveryMs: options.dependencyCheckMs ?? 5000,
  });
  app.register(modelsRoutePlugin, { router, models });
  app.register(chatRoutePlugin, { router, models, logContent });
  app.register(gaugesPlugin, {
    keys: store,
    activeUsers: gate,
    router,
    models,
    postgresGuard: pgGuard,
    redisGuard,
    telemetry,
    expiryRefreshMs: options.expiryRefreshMs ?? 60_000,
    activeUsersRefreshMs: options.activeUsersRefreshMs ?? 15_000,
    modelsRefreshMs: options.modelsRefreshMs ?? 30_000,
    maxExpirySeries: options.maxExpirySeries ?? 10_000,
  });
  app.register(keyAdminPlugin, {
    prefix: ADMIN_API_PREFIX,
    store,
    adminKey: options.adminKey,
    onKeyChanged: (keyId) => keyCache.forgetKey(keyId),
    telemetry,
  });

  return {
    app,
    async refresh() {
      await app.ready();
      await Promise.all([app.refreshGauges(), app.checkDependencies()]);
    },
    flushUsage: () => usage.flush(),
    async close() {
      await app.close();
      const dropped = await usage.close();
      if (dropped > 0)
        logger.error({ rows: dropped }, 'usage rows not written at shutdown: PostgreSQL unreachable');
    },
  };
}

/**
 * The usage rows' writer, with its metrics (`api_usage_rows_total`, `api_usage_rows_queued`) and outage
 * log lines. A batch written proves PostgreSQL answers again, so key lookups stop skipping it.
 */
function usageWriter(
  options: ApiServiceOptions,
  telemetry: Telemetry,
  pgGuard: DependencyGuard,
  outageLog: ThrottledLog,
): UsageWriter {
  const { logger, metrics } = telemetry;
  const usageRows = metrics.counter(apiUsageRowsTotal);
  const usageQueued = metrics.gauge(apiUsageRowsQueued);
  for (const outcome of ['written', 'dropped']) usageRows.inc({ outcome }, 0);
  usageQueued.set(0);
  const usage: UsageWriter = new UsageWriter(options.pool, {
    batchSize: options.usageBatchSize,
    flushIntervalMs: options.usageFlushIntervalMs,
    maxQueued: options.usageMaxQueued,
    onOutcome: (outcome, n) => {
      usageRows.inc({ outcome }, n);
      if (outcome === 'written') pgGuard.markUp();
      if (outcome === 'dropped') {
        outageLog.note(
          'usage_rows_dropped',
          (f, m) => logger.error(f, m),
          { rows: n, queued: usage.queued },
          'usage rows dropped: the queue is full while PostgreSQL is unreachable',
        );
      }
    },
    onQueued: (n) => usageQueued.set(n),
    onError: (error) =>
      outageLog.note(
        'usage_batch_failed',
        (f, m) => logger.warn(f, m),
        { error, queued: usage.queued },
        'usage batch not written; kept for the next try',
      ),
  });
  return usage;
}
