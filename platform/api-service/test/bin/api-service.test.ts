import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ApiKeyStore, migrate } from '../../src/index.js';
import {
  freePort,
  startPostgres,
  startRedis,
  type Throwaway,
} from '../../src/testing/throwaway-databases.js';
import { FakeModelRouter } from '../support/fake-model-router.js';

const BIN = fileURLToPath(new URL('../../src/bin/api-service.js', import.meta.url));
let postgres: Throwaway;
let redis: Throwaway;
let router: FakeModelRouter;
let routerAddress: string;
let dir: string;

before(async () => {
  [postgres, redis] = await Promise.all([startPostgres(), startRedis({ password: 'redis-test-pw' })]);
  router = new FakeModelRouter();
  routerAddress = await router.start();
  dir = mkdtempSync(join(tmpdir(), 'opsight-api-'));
  writeFileSync(join(dir, 'redis.pw'), 'redis-test-pw\n', { mode: 0o600 });
});

after(async () => {
  await router?.stop();
  await Promise.all([postgres?.stop(), redis?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the process migrates, serves completions with a key, and stops on SIGTERM', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN], {
    env: {
      PATH: process.env.PATH,
      PGHOST: '127.0.0.1',
      PGPORT: String(postgres.port),
      PGUSER: 'postgres',
      PGDATABASE: 'postgres',
      OPSIGHT_REDIS_URL: redis.url,
      OPSIGHT_REDIS_PASSWORD_FILE: join(dir, 'redis.pw'),
      OPSIGHT_ROUTER_ADDRESS: routerAddress,
      OPSIGHT_API_LISTEN: `127.0.0.1:${port}`,
      OTEL_TRACES_EXPORTER: 'none',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    let healthy = false;
    for (let i = 0; i < 300 && !healthy && child.exitCode === null; i++) {
      healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (!healthy) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(healthy, output);
    const pool = new pg.Pool({ connectionString: postgres.url });
    pool.on('error', () => {});
    try {
      assert.deepEqual(await migrate(pool), [], 'the process migrated at start');
      const { key } = await new ApiKeyStore(pool).create({ userId: 'bin-user' });
      const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim-small', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { usage: { total_tokens: number } }).usage.total_tokens, 3);
      assert.equal(output.includes(key), false);
    } finally {
      await pool.end();
    }
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    assert.match(output, /"message":"chat completion"/);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('a bad setting is a one-line error and exit 1', async () => {
  const child = spawn(process.execPath, [BIN], {
    env: { PATH: process.env.PATH, OPSIGHT_DEFAULT_RPM: 'lots' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 1);
  assert.equal(stderr, 'api-service: OPSIGHT_DEFAULT_RPM: "lots" is not a positive whole number\n');
});
