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
    [{ OPSIGHT_PG_PASSWORD_FILE: '/nonexistent/pw' }, [], 'OPSIGHT_PG_PASSWORD_FILE'],
  ];
  for (const [env, args, variable] of cases) {
    assert.throws(
      () => readConfig(env, args),
      (error: unknown) => error instanceof ConfigError && error.variable === variable,
      variable,
    );
  }
});
