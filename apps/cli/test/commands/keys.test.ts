import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type ApiService,
  buildApiService,
  hashApiKey,
  ModelRouterClient,
  migrate,
} from '@opsight/api-service';
import { KeyAdminClient } from '@opsight/api-service/admin';
import { startPostgres, startRedis, type Throwaway } from '@opsight/api-service/testing';
import { initTelemetry } from '@opsight/telemetry';
import { Redis } from 'ioredis';
import pg from 'pg';
import { ensureDefaultKey, type KeysAction, keys, parseExpiresIn } from '../../src/commands/keys.js';

const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
let postgres: Throwaway;
let redisServer: Throwaway;
let pool: pg.Pool;
let redis: Redis;
let router: ModelRouterClient;
let service: ApiService;
let admin: KeyAdminClient;

async function run(action: KeysAction, client = admin) {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: string[] = [];
  const errChunks: string[] = [];
  out.on('data', (d: Buffer) => chunks.push(d.toString()));
  err.on('data', (d: Buffer) => errChunks.push(d.toString()));
  const code = await keys(action, client, out, err);
  return { code, stdout: chunks.join(''), stderr: errChunks.join('') };
}

before(async () => {
  const telemetry = initTelemetry({
    service: 'api-service',
    handleSignals: false,
    defaultMetrics: false,
    instrumentFetch: false,
    env: {},
    logDestination: { write: () => {} },
  });
  [postgres, redisServer] = await Promise.all([startPostgres(), startRedis()]);
  pool = new pg.Pool({ connectionString: postgres.url, max: 3 });
  pool.on('error', () => {});
  await migrate(pool);
  redis = new Redis(redisServer.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  // The key commands never reach the router.
  router = new ModelRouterClient('127.0.0.1:1', { timeoutMs: 500 });
  service = buildApiService({ pool, redis, router, telemetry, adminKey: ADMIN_KEY });
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = service.app.server.address() as AddressInfo;
  admin = new KeyAdminClient({ baseUrl: `http://127.0.0.1:${port}`, adminKey: ADMIN_KEY });
});

after(async () => {
  await service?.close();
  router?.close();
  redis?.disconnect();
  await pool?.end();
  await Promise.all([postgres?.stop(), redisServer?.stop()]);
});

describe('opsight keys', () => {
  test('the default key is created once, when the service holds no key, for user "default"', async () => {
    const first = await ensureDefaultKey(admin);
    assert.match(first ?? '', /^sk-[A-Za-z0-9_-]{43}$/);
    assert.equal(await ensureDefaultKey(admin), undefined);
    const { stdout } = await run({ action: 'list', userId: 'default' });
    assert.match(stdout, /default\s+default\s+active\s+never/);
  });

  test('create prints the key once; the service stores only its hash, prefix, owner and expiry', async () => {
    const before = Date.now();
    const { code, stdout } = await run({ action: 'create', userId: 'alice', expiresIn: '30d', name: 'ci' });
    assert.equal(code, 0);
    const key = /^(sk-[A-Za-z0-9_-]{43})$/m.exec(stdout)?.[1];
    assert.ok(key, stdout);
    assert.match(stdout, /^created key_[0-9a-f]{16} for user alice \(expires /);
    const { rows } = await pool.query('SELECT * FROM api_keys WHERE user_id = $1', ['alice']);
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0].key_hash, hashApiKey(key));
    assert.equal(rows[0].prefix, key.slice(0, 11));
    assert.equal(rows[0].name, 'ci');
    const expires = rows[0].expires_at.getTime() - before;
    assert.ok(expires >= 30 * 86_400_000 && expires < 30 * 86_400_000 + 60_000);
    assert.equal(JSON.stringify(rows).includes(key.slice(11)), false);
  });

  test('list shows keys with prefix, owner and status, never the key', async () => {
    const created = await run({ action: 'create', userId: 'bob' });
    const key = /^(sk-\S+)$/m.exec(created.stdout)![1]!;
    const { code, stdout } = await run({ action: 'list' });
    assert.equal(code, 0);
    assert.match(stdout, /^ID\s+PREFIX\s+USER\s+NAME\s+STATUS\s+EXPIRES\s+CREATED$/m);
    assert.ok(stdout.includes(`${key.slice(0, 11)}…`));
    assert.equal(stdout.includes(key), false);
    assert.match(stdout, /bob\s+active\s+never/);
    const onlyAlice = await run({ action: 'list', userId: 'alice' });
    assert.equal(onlyAlice.stdout.includes('bob'), false);
  });

  test('revoke by prefix or id; an unknown target exits 1', async () => {
    const created = await run({ action: 'create', userId: 'carol' });
    const key = /^(sk-\S+)$/m.exec(created.stdout)![1]!;
    const byPrefix = await run({ action: 'revoke', target: `${key.slice(0, 11)}…` });
    assert.equal(byPrefix.code, 0, byPrefix.stderr);
    assert.match(byPrefix.stdout, /^revoked key_[0-9a-f]{16} /);
    assert.match((await run({ action: 'list', userId: 'carol' })).stdout, /carol\s+revoked/);
    const id = /^created (key_[0-9a-f]{16})/.exec(
      (await run({ action: 'create', userId: 'dave' })).stdout,
    )![1]!;
    assert.equal((await run({ action: 'revoke', target: id })).code, 0);
    const missing = await run({ action: 'revoke', target: 'key_0000000000000000' });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no API key with id or prefix "key_0000000000000000"/);
  });

  test('rotate prints a new key once; the old one is no longer stored', async () => {
    const created = await run({ action: 'create', userId: 'erin' });
    const id = /^created (key_[0-9a-f]{16})/.exec(created.stdout)![1]!;
    const old = /^(sk-\S+)$/m.exec(created.stdout)![1]!;
    const rotated = await run({ action: 'rotate', target: id });
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, new RegExp(`^rotated ${id} for user erin`));
    const fresh = /^(sk-[A-Za-z0-9_-]{43})$/m.exec(rotated.stdout)![1]!;
    assert.notEqual(fresh, old);
    const { rows } = await pool.query('SELECT key_hash FROM api_keys WHERE id = $1', [id]);
    assert.deepEqual(rows[0].key_hash, hashApiKey(fresh));
  });

  test('a value the service refuses is a usage error naming it', async () => {
    await assert.rejects(run({ action: 'create', userId: 'has space' }), /user_id must be/);
  });

  test('a wrong admin key and an unreachable service exit 1 with a message', async () => {
    const wrong = new KeyAdminClient({
      baseUrl: `http://127.0.0.1:${portOf()}`,
      adminKey: 'not-the-admin-key-at-all',
    });
    const refused = await run({ action: 'list' }, wrong);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /ADMIN_KEY_INVALID/);
    const down = await run(
      { action: 'list' },
      new KeyAdminClient({ baseUrl: 'http://127.0.0.1:1', adminKey: ADMIN_KEY }),
    );
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach api-service at http:\/\/127\.0\.0\.1:1 \(is the stack up\?/);
  });

  test('durations: s m h d w; anything else is a usage error', () => {
    assert.equal(parseExpiresIn('30d'), 30 * 86_400_000);
    assert.equal(parseExpiresIn('12h'), 12 * 3_600_000);
    assert.equal(parseExpiresIn('2w'), 14 * 86_400_000);
    for (const bad of ['30', '0d', '-1d', '1y', 'd', '30 d'])
      assert.throws(() => parseExpiresIn(bad), /--expires-in/);
  });

  test('bad arguments exit 2 with the usage; an unreachable api-service exits 1', () => {
    const bin = fileURLToPath(new URL('../../src/bin/opsight.js', import.meta.url));
    const cases: [string[], number, RegExp][] = [
      [['keys'], 2, /keys needs create, list, revoke or rotate/],
      [['keys', 'create'], 2, /needs --user/],
      [['keys', 'create', '--user', 'x', '--rpm', 'many'], 2, /--rpm must be a positive whole number/],
      [['keys', 'create', '--user', 'x', '--expires-in', '1y'], 2, /--expires-in/],
      [['keys', 'revoke'], 2, /keys revoke takes one key id or prefix/],
      [['keys', 'rotate', 'a', 'b'], 2, /keys rotate takes one key id or prefix/],
      [['keys', 'list'], 1, /cannot reach api-service at http:\/\/127\.0\.0\.1:1 /],
    ];
    for (const [args, status, message] of cases) {
      const r = spawnSync(process.execPath, [bin, ...args], {
        encoding: 'utf8',
        env: { ...process.env, OPSIGHT_PORT_API_SERVICE: '1', OPSIGHT_VAR_DIR: stackVar() },
      });
      assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});

function portOf(): number {
  return (service.app.server.address() as AddressInfo).port;
}

// The command reads the stack's secrets (creating them on first use): keep them out of the checkout.
let varDir: string | undefined;
function stackVar(): string {
  varDir ??= `${process.env.TMPDIR ?? '/tmp'}/opsight-keys-test-${process.pid}`;
  return varDir;
}
after(() => {
  if (varDir) spawnSync('rm', ['-rf', varDir]);
});
