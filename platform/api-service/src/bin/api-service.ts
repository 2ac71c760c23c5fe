#!/usr/bin/env node
// opsight-api-service: the platform's OpenAI-compatible API (configuration from the environment; see
// src/config.ts and the README). Migrates the database (so PostgreSQL must answer at start), then
// listens. Every dependency call is bounded: PostgreSQL connections and queries time out, Redis commands
// time out and fail at once while disconnected (no offline queue), so a dead or frozen dependency degrades
// requests instead of stalling them. GET /healthz and /readyz answer 200 while the process serves.
import { initTelemetry } from '@opsight/telemetry';
import { Redis } from 'ioredis';
import pg from 'pg';
import { buildApiService } from '../app.js';
import { ConfigError, readConfig } from '../config.js';
import { migrate } from '../internal/db/migrations.js';
import { ThrottledLog } from '../internal/logging/throttled-log.js';
import { ModelRouterClient } from '../router/model-router-client.js';

async function main(): Promise<void> {
  const config = readConfig(process.env, process.argv.slice(2));
  const telemetry = initTelemetry({ service: 'api-service' });
  const { logger } = telemetry;
  const pool = new pg.Pool({
    connectionString: config.postgres.connectionString,
    password: config.postgres.password,
    max: 10,
    connectionTimeoutMillis: config.postgresTimeoutMs,
    // A frozen server accepts the connection and never answers: bound every query (usage batches too).
    query_timeout: Math.max(10_000, config.postgresTimeoutMs),
  });
  const connectionLog = new ThrottledLog();
  pool.on('error', (error) =>
    connectionLog.note(
      'postgres_idle_error',
      (f, m) => logger.warn(f, m),
      { error },
      'idle PostgreSQL connection failed',
    ),
  );
  const redis = new Redis(config.redis.url, {
    password: config.redis.password,
    maxRetriesPerRequest: 1,
    // Commands fail at once while disconnected instead of queueing until Redis is back.
    enableOfflineQueue: false,
    commandTimeout: config.redisTimeoutMs,
    connectTimeout: 2000,
  });
  // ioredis reports every reconnection attempt: one line per 10 s is enough.
  redis.on('error', (error) =>
    connectionLog.note(
      'redis_connection_error',
      (f, m) => logger.warn(f, m),
      { error },
      'Redis connection failed',
    ),
  );
  // The database may still be starting: retry the migration for a minute.
  for (let attempt = 1; ; attempt++) {
    try {
      const applied = await migrate(pool);
      logger.info({ applied }, 'database schema up to date');
      break;
    } catch (error) {
      if (attempt >= 60) throw error;
      logger.warn({ error, attempt }, 'migration failed; retrying');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const router = new ModelRouterClient(config.routerAddress, { timeoutMs: config.routerTimeoutMs });
  const service = buildApiService({
    pool,
    redis,
    router,
    telemetry,
    defaultRpm: config.defaultRpm,
    defaultTpm: config.defaultTpm,
    cacheTtlSeconds: config.cacheTtlSeconds,
    cacheScope: config.cacheScope,
    bodyLimitBytes: config.bodyLimitBytes,
    logContent: config.logContent,
    expiryRefreshMs: config.keyExpiryRefreshMs,
    rateLimitFailMode: config.rateLimitFailMode,
    redisTimeoutMs: config.redisTimeoutMs,
    postgresTimeoutMs: config.postgresTimeoutMs,
    keyFallbackTtlMs: config.keyFallbackTtlMs,
    keyCacheMaxEntries: config.keyCacheMaxEntries,
    usageMaxQueued: config.usageMaxQueued,
    adminKey: config.adminKey,
  });
  telemetry.onShutdown(async () => {
    await service.close();
    router.close();
    redis.disconnect();
    await pool.end();
  });
  try {
    await service.app.listen(config.listen);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`api-service: ${config.listen.host}:${config.listen.port} is already in use\n`);
      process.exit(1);
    }
    throw error;
  }
  void service.refresh();
  logger.info(
    { listen: `${config.listen.host}:${config.listen.port}`, router: config.routerAddress },
    'api-service listening',
  );
}

main().catch((error: Error) => {
  process.stderr.write(
    `api-service: ${error instanceof ConfigError ? error.message : (error.stack ?? error.message)}\n`,
  );
  process.exit(1);
});
