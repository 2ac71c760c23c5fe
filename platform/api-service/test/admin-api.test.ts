import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { initTelemetry, type Telemetry } from '@opsight/telemetry';
import { Redis } from 'ioredis';
import pg from 'pg';
import { KeyAdminClient, type KeyAdminError } from '../src/admin/index.js';
import { type ApiService, buildApiService, ModelRouterClient, migrate } from '../src/index.js';
import { startPostgres, startRedis, type Throwaway } from '../src/testing/throwaway-databases.js';
import { FakeModelRouter } from './support/fake-model-router.js';

const ADMIN_KEY = 'admin-key-for-tests-0123456789';
const lines: string[] = [];
let telemetry: Telemetry;
let postgres: Throwaway;
let redisServer: Throwaway;
let pool: pg.Pool;
let redis: Redis;
let router: FakeModelRouter;
let client: ModelRouterClient;
let service: ApiService;
let admin: KeyAdminClient;

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
  pool = new pg.Pool({ connectionString: postgres.url, max: 5 });
  pool.on('error', () => {});
  redis = new Redis(redisServer.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  router = new FakeModelRouter();
  client = new ModelRouterClient(await router.start(), { timeoutMs: 2000 });
  await migrate(pool);
  // The default key cache (5 s): a revocation or rotation must still take effect at once here.
  service = buildApiService({ pool, redis, router: client, telemetry, adminKey: ADMIN_KEY });
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = service.app.server.address() as AddressInfo;
  admin = new KeyAdminClient({ baseUrl: `http://127.0.0.1:${port}`, adminKey: ADMIN_KEY });
});

after(async () => {
  await service?.close();
  client?.close();
  await router?.stop();
  redis?.disconnect();
  await pool?.end();
  await Promise.all([postgres?.stop(), redisServer?.stop()]);
  await telemetry?.shutdown();
});

function chat(key: string) {
  return service.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    payload: { model: 'sim-small', messages: [{ role: 'user', content: 'hello' }] },
  });
}
const codeOf = (r: { json(): unknown }) => (r.json() as { error: { code: string } }).error.code;

describe('key admin API on the service', () => {
  test('a created key authenticates on the chat route; its secret is stored hashed only', async () => {
    const issued = await admin.create({ user_id: 'alice', name: 'laptop' });
    assert.match(issued.secret, /^sk-[A-Za-z0-9_-]{43}$/);
    assert.equal((await chat(issued.secret)).statusCode, 200);
    const { rows } = await pool.query('SELECT * FROM api_keys WHERE id = $1', [issued.api_key.id]);
    assert.equal(JSON.stringify(rows).includes(issued.secret.slice(11)), false);
    assert.deepEqual(
      (await admin.list('alice')).map((k) => [k.id, k.status]),
      [[issued.api_key.id, 'active']],
    );
  });

  test('revoke: the chat route refuses the key at once, though its record was cached', async () => {
    const issued = await admin.create({ user_id: 'bob' });
    assert.equal((await chat(issued.secret)).statusCode, 200);
    const revoked = await admin.revoke(issued.api_key.prefix);
    assert.equal(revoked.status, 'revoked');
    const refused = await chat(issued.secret);
    assert.equal(refused.statusCode, 401);
    assert.equal(codeOf(refused), 'API_KEY_REVOKED');
    // Revoking again is harmless; rotating a revoked key is refused.
    assert.equal((await admin.revoke(issued.api_key.id)).status, 'revoked');
    await assert.rejects(
      admin.rotate(issued.api_key.id),
      (e: KeyAdminError) => e.code === 'API_KEY_NOT_ACTIVE',
    );
  });

  test('rotate: the old secret stops authenticating at once; the new one works with the same id and limits', async () => {
    const issued = await admin.create({ user_id: 'carol', rpm_limit: 1000 });
    assert.equal((await chat(issued.secret)).statusCode, 200);
    const rotated = await admin.rotate(issued.api_key.id);
    assert.notEqual(rotated.secret, issued.secret);
    assert.equal(rotated.api_key.id, issued.api_key.id);
    assert.equal(rotated.api_key.rpm_limit, 1000);
    assert.notEqual(rotated.api_key.prefix, issued.api_key.prefix);
    const old = await chat(issued.secret);
    assert.equal(old.statusCode, 401);
    assert.equal(codeOf(old), 'API_KEY_UNKNOWN');
    assert.equal((await chat(rotated.secret)).statusCode, 200);
  });

  test('no secret and no admin key in any log line', () => {
    const text = lines.join('\n');
    assert.equal(text.includes(ADMIN_KEY), false);
    assert.equal(/sk-[A-Za-z0-9_-]{43}/.test(text), false);
    assert.ok(text.includes('API key rotated'));
  });
});
