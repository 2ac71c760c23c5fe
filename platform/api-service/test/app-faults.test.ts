/**
 * The service under its dependencies' faults, against real PostgreSQL and Redis reached through a fault
 * proxy (down: connections cut and refused; frozen: connections open, nothing answered). Every request
 * must settle (bounded by each test's timeout, no timing assertions) and be served wherever the fault
 * leaves a way to serve it; what was served is billed once PostgreSQL is back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { initTelemetry, type Telemetry } from '@opsight/telemetry';
import { eventually } from '@opsight/telemetry/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { ApiKeyStore, type ApiService, buildApiService, ModelRouterClient, migrate } from '../src/index.js';
import { startPostgres, startRedis, type Throwaway } from '../src/testing/throwaway-databases.js';
import { FakeModelRouter } from './support/fake-model-router.js';
import { TcpFaultProxy } from './support/tcp-fault-proxy.js';

const lines: string[] = [];
let telemetry: Telemetry;
let postgres: Throwaway;
let redisServer: Throwaway;
let pgProxy: TcpFaultProxy;
let redisProxy: TcpFaultProxy;
/** The service's pool and Redis client: through the proxies. */
let pool: pg.Pool;
let redis: Redis;
/** Direct to PostgreSQL, for the test's own checks. */
let direct: pg.Pool;
let router: FakeModelRouter;
let client: ModelRouterClient;
let service: ApiService;
let store: ApiKeyStore;

before(async () => {
  telemetry = initTelemetry({
    service: 'api-service',
    handleSignals: false,
    defaultMetrics: false,
    instrumentFetch: false,
    env: {},
    logDestination: { write: (line: string) => void lines.push(line) },
  });
  [postgres, redisServer] = await Promise.all([startPostgres(), startRedis()]);
  pgProxy = new TcpFaultProxy(postgres.port);
  redisProxy = new TcpFaultProxy(redisServer.port);
  await Promise.all([pgProxy.start(), redisProxy.start()]);
  direct = new pg.Pool({ connectionString: postgres.url, max: 2 });
  direct.on('error', () => {});
  // As the bin configures them: bounded connection and query time, no Redis offline queue.
  pool = new pg.Pool({
    connectionString: `postgresql://postgres@127.0.0.1:${pgProxy.port}/postgres`,
    max: 5,
    connectionTimeoutMillis: 300,
    query_timeout: 2000,
  });
  pool.on('error', () => {});
  redis = new Redis(redisProxy.port, '127.0.0.1', {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    commandTimeout: 250,
    connectTimeout: 500,
    retryStrategy: () => 50,
  });
  redis.on('error', () => {});
  await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  router = new FakeModelRouter();
  client = new ModelRouterClient(await router.start(), { timeoutMs: 2000 });
  await migrate(direct);
  store = new ApiKeyStore(direct);
  service = buildApiService({
    pool,
    redis,
    router: client,
    telemetry,
    // Every request reads PostgreSQL while it answers, so the fallback is what answers during an outage.
    keyCacheTtlMs: 0,
    keyFallbackTtlMs: 60_000,
    postgresTimeoutMs: 300,
    redisTimeoutMs: 250,
    dependencyBackoffMs: 200,
    usageFlushIntervalMs: 100,
    usageBatchSize: 50,
  });
  await service.refresh();
});

after(async () => {
  await service?.close();
  client?.close();
  await router?.stop();
  redis?.disconnect();
  await pool?.end();
  await direct?.end();
  await Promise.all([pgProxy?.down(), redisProxy?.down()]);
  await Promise.all([postgres?.stop(), redisServer?.stop()]);
  await telemetry?.shutdown();
});

function chat(key: string, body: object = {}) {
  return service.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ model: 'sim-small', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
}

async function sample(series: string): Promise<number> {
  const text = (await service.app.inject({ method: 'GET', url: '/metrics' })).body;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

async function usageRows(keyId: string): Promise<number> {
  const { rows } = await direct.query('SELECT count(*)::int AS n FROM api_usage WHERE key_id = $1', [keyId]);
  return rows[0].n;
}

const logged = (message: RegExp) => lines.map((l) => JSON.parse(l)).filter((r) => message.test(r.message));

describe('Redis down', () => {
  test('requests are served (limits fail open, counted), the cache is bypassed, /readyz says degraded', {
    timeout: 30_000,
  }, async () => {
    const { key } = await store.create({ userId: 'redis-user', rpmLimit: 2 });
    assert.equal((await chat(key, { temperature: 0 })).statusCode, 200);
    const admittedBefore = await sample('rate_limit_unchecked_total{outcome="admitted"}');
    const bypassedBefore = await sample('cache_bypassed_total{cache="response"}');
    await redisProxy.down();
    try {
      // More requests than the key's limit of 2 per minute: with Redis down nothing counts them.
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await chat(key, { temperature: 0 });
        statuses.push(res.statusCode);
        assert.equal(res.headers['x-opsight-cache'], 'miss');
      }
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200]);
      assert.equal(await sample('rate_limit_unchecked_total{outcome="admitted"}'), admittedBefore + 6);
      assert.equal(await sample('cache_bypassed_total{cache="response"}'), bypassedBefore + 6);
      const ready = await service.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 200);
      assert.deepEqual(ready.json(), { status: 'degraded', checks: { postgres: 'ok', redis: 'failing' } });
      assert.equal(await sample('api_dependency_up{dependency="redis"}'), 0);
      // Six failures, one throttled warning line that counts them.
      const warnings = logged(/^rate limiter unavailable/);
      assert.equal(warnings.length, 1, JSON.stringify(warnings));
      assert.equal(warnings[0].level, 'WARN');
    } finally {
      await redisProxy.up();
    }
    await eventually(() => redis.status === 'ready');
    await service.refresh();
    assert.equal(await sample('api_dependency_up{dependency="redis"}'), 1);
  });

  test('a frozen Redis (connections open, no answer) costs a request at most the command timeout', {
    timeout: 30_000,
  }, async () => {
    const { key } = await store.create({ userId: 'frozen-redis-user' });
    assert.equal((await chat(key)).statusCode, 200);
    const admittedBefore = await sample('rate_limit_unchecked_total{outcome="admitted"}');
    redisProxy.freeze();
    try {
      const results = await Promise.all(Array.from({ length: 5 }, () => chat(key, { temperature: 0 })));
      assert.deepEqual(
        results.map((r) => r.statusCode),
        [200, 200, 200, 200, 200],
      );
      assert.equal(await sample('rate_limit_unchecked_total{outcome="admitted"}'), admittedBefore + 5);
    } finally {
      redisProxy.thaw();
    }
  });

  test('fail closed: 503 DEPENDENCY_UNAVAILABLE with Retry-After, counted as refused', {
    timeout: 30_000,
  }, async () => {
    const closed = buildApiService({
      pool,
      redis,
      router: client,
      telemetry,
      keyCacheTtlMs: 0,
      rateLimitFailMode: 'closed',
      dependencyBackoffMs: 200,
    });
    const { key } = await store.create({ userId: 'closed-user' });
    try {
      const refusedBefore = await sample('rate_limit_unchecked_total{outcome="refused"}');
      await redisProxy.down();
      const res = await closed.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ model: 'sim-small', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(res.json().error.code, 'DEPENDENCY_UNAVAILABLE');
      assert.equal(res.headers['retry-after'], '5');
      assert.equal(await sample('rate_limit_unchecked_total{outcome="refused"}'), refusedBefore + 1);
    } finally {
      await redisProxy.up();
      await closed.close();
    }
    await eventually(() => redis.status === 'ready');
  });
});

describe('PostgreSQL down', () => {
  test('recently seen keys authenticate from memory, an unknown key gets 503 AUTH_BACKEND_UNAVAILABLE, expiry and revocation still apply, and every request served is billed after recovery', {
    timeout: 60_000,
  }, async () => {
    const seen = await store.create({ userId: 'pg-user' });
    const never = await store.create({ userId: 'pg-user' });
    const expiring = await store.create({ userId: 'pg-user', expiresInMs: 1500 });
    const revoked = await store.create({ userId: 'pg-user' });
    let served = 0;
    for (const k of [seen, expiring, revoked]) {
      assert.equal((await chat(k.key)).statusCode, 200);
      served++;
    }
    await store.revoke(revoked.record.id);
    assert.equal((await chat(revoked.key)).json().error.code, 'API_KEY_REVOKED');
    await service.flushUsage();
    const cachedBefore = await sample('api_key_store_unavailable_total{outcome="cached"}');
    const refusedBefore = await sample('api_key_store_unavailable_total{outcome="refused"}');
    const writtenBefore = await sample('api_usage_rows_total{outcome="written"}');

    await pgProxy.down();
    let seenServed = 0;
    try {
      for (let i = 0; i < 20; i++) {
        const res = await chat(seen.key);
        assert.equal(res.statusCode, 200, res.body);
        seenServed++;
      }
      const unknown = await chat(never.key);
      assert.equal(unknown.statusCode, 503, unknown.body);
      assert.equal(unknown.json().error.code, 'AUTH_BACKEND_UNAVAILABLE');
      assert.equal(unknown.headers['retry-after'], '5');
      // The record in memory says revoked: still refused.
      assert.equal((await chat(revoked.key)).json().error.code, 'API_KEY_REVOKED');
      // The record carries the expiry: refused once it passed, database or not.
      await eventually(() => Date.now() > expiring.record.expiresAt!.getTime() + 10, 5000);
      assert.equal((await chat(expiring.key)).json().error.code, 'API_KEY_EXPIRED');
      assert.equal(await sample('api_key_store_unavailable_total{outcome="cached"}'), cachedBefore + 22);
      assert.equal(await sample('api_key_store_unavailable_total{outcome="refused"}'), refusedBefore + 1);
      // Usage rows wait in memory.
      await new Promise((r) => setTimeout(r, 300));
      assert.ok((await sample('api_usage_rows_queued')) >= 20);
      assert.equal(await usageRows(seen.record.id), 1);
      const ready = await service.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 200);
      assert.equal(ready.json().checks.postgres, 'failing');
    } finally {
      await pgProxy.up();
    }
    // Back: the queued rows are written, one per request served (and per refusal of a known key).
    await eventually(async () => (await usageRows(seen.record.id)) === 1 + seenServed, 15_000);
    assert.equal(await usageRows(never.record.id), 0);
    // The rows are visible to other connections as their batch commits, a moment before the writer
    // counts the batch off its queue.
    await eventually(async () => (await sample('api_usage_rows_queued')) === 0, 5_000);
    assert.equal(await sample('api_usage_rows_total{outcome="dropped"}'), 0);
    assert.equal(await sample('api_usage_rows_total{outcome="written"}'), writtenBefore + seenServed + 2);
    assert.ok(served > 0);
  });

  test('a frozen PostgreSQL: the seen key is served within the lookup timeout, an unknown key gets 503', {
    timeout: 30_000,
  }, async () => {
    const seen = await store.create({ userId: 'frozen-pg-user' });
    const never = await store.create({ userId: 'frozen-pg-user' });
    const warm = await chat(seen.key);
    assert.equal(warm.statusCode, 200, `${warm.body} ${lines.slice(-3).join('\n')}`);
    pgProxy.freeze();
    try {
      const [a, b] = await Promise.all([chat(seen.key), chat(never.key)]);
      assert.equal(a.statusCode, 200, a.body);
      assert.equal(b.statusCode, 503, b.body);
      assert.equal(b.json().error.code, 'AUTH_BACKEND_UNAVAILABLE');
    } finally {
      pgProxy.thaw();
    }
    await eventually(async () => (await usageRows(seen.record.id)) === 2, 15_000);
  });
});
