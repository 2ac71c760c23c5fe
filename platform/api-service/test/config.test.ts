import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, readConfig } from '../src/config.js';

test('defaults: the local stack ports', () => {
  const c = readConfig({});
  assert.deepEqual(c.listen, { host: '127.0.0.1', port: 8081 });
  assert.equal(c.routerAddress, '127.0.0.1:50051');
  assert.equal(c.redis.url, 'redis://127.0.0.1:6380');
  assert.equal(c.logContent, false);
  assert.equal(c.cacheScope, 'user');
  assert.equal(readConfig({ OPSIGHT_RESPONSE_CACHE_SCOPE: 'shared' }).cacheScope, 'shared');
  assert.throws(() => readConfig({ OPSIGHT_RESPONSE_CACHE_SCOPE: 'global' }), ConfigError);
  assert.equal(c.keyExpiryRefreshMs, 60_000);
  assert.equal(readConfig({ OPSIGHT_KEY_EXPIRY_REFRESH_MS: '2000' }).keyExpiryRefreshMs, 2000);
});

test('dependency fault settings: fail open, short timeouts, a 5 min key fallback', () => {
  const c = readConfig({});
  assert.equal(c.rateLimitFailMode, 'open');
  assert.equal(c.redisTimeoutMs, 250);
  assert.equal(c.postgresTimeoutMs, 2000);
  assert.equal(c.keyFallbackTtlMs, 300_000);
  assert.equal(c.keyCacheMaxEntries, 10_000);
  assert.equal(c.usageMaxQueued, 20_000);
  const d = readConfig({
    OPSIGHT_RATE_LIMIT_FAIL_MODE: 'closed',
    OPSIGHT_KEY_FALLBACK_TTL_MS: '0',
    OPSIGHT_USAGE_MAX_QUEUED: '50',
  });
  assert.equal(d.rateLimitFailMode, 'closed');
  assert.equal(d.keyFallbackTtlMs, 0);
  assert.equal(d.usageMaxQueued, 50);
});

test('--listen and the deployment manifests variables (MODEL_ROUTER_ADDRESS, REDIS_URL, PGPASSWORD)', () => {
  const c = readConfig(
    { MODEL_ROUTER_ADDRESS: 'model-router:50051', REDIS_URL: 'redis://redis:6379', PGPASSWORD: 'pw' },
    ['--listen', '0.0.0.0:8081'],
  );
  assert.deepEqual(c.listen, { host: '0.0.0.0', port: 8081 });
  assert.equal(c.routerAddress, 'model-router:50051');
  assert.equal(c.redis.url, 'redis://redis:6379');
  assert.equal(c.postgres.password, 'pw');
});

test('passwords from files win over the environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-config-'));
  try {
    writeFileSync(join(dir, 'pg'), 'from-file\n');
    writeFileSync(join(dir, 'redis'), 'redis-file\n');
    const c = readConfig({
      PGPASSWORD: 'env',
      OPSIGHT_PG_PASSWORD_FILE: join(dir, 'pg'),
      OPSIGHT_REDIS_PASSWORD_FILE: join(dir, 'redis'),
    });
    assert.equal(c.postgres.password, 'from-file');
    assert.equal(c.redis.password, 'redis-file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad settings name the variable', () => {
  const cases: [NodeJS.ProcessEnv, string[], string][] = [
    [{ OPSIGHT_API_LISTEN: 'nowhere' }, [], 'OPSIGHT_API_LISTEN'],
    [{}, ['--listen', 'x:99999'], '--listen'],
    [{}, ['--port', '1'], 'arguments'],
    [{ OPSIGHT_DEFAULT_TPM: '0' }, [], 'OPSIGHT_DEFAULT_TPM'],
    [{ OPSIGHT_ROUTER_TIMEOUT_MS: '1.5' }, [], 'OPSIGHT_ROUTER_TIMEOUT_MS'],
    [{ OPSIGHT_KEY_EXPIRY_REFRESH_MS: 'soon' }, [], 'OPSIGHT_KEY_EXPIRY_REFRESH_MS'],
    [{ OPSIGHT_PG_PASSWORD_FILE: '/nonexistent/pw' }, [], 'OPSIGHT_PG_PASSWORD_FILE'],
    [{ OPSIGHT_RATE_LIMIT_FAIL_MODE: 'sometimes' }, [], 'OPSIGHT_RATE_LIMIT_FAIL_MODE'],
    [{ OPSIGHT_REDIS_TIMEOUT_MS: '0' }, [], 'OPSIGHT_REDIS_TIMEOUT_MS'],
    [{ OPSIGHT_KEY_FALLBACK_TTL_MS: '-1' }, [], 'OPSIGHT_KEY_FALLBACK_TTL_MS'],
  ];
  for (const [env, args, variable] of cases) {
    assert.throws(
      () => readConfig(env, args),
      (error: unknown) => error instanceof ConfigError && error.variable === variable,
      variable,
    );
  }
});
