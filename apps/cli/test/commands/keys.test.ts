import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hashApiKey } from '@opsight/api-service';
import { startPostgres, type Throwaway } from '@opsight/api-service/testing';
import pg from 'pg';
import { ensureDefaultKey, type KeysAction, keys, parseExpiresIn } from '../../src/commands/keys.js';

let postgres: Throwaway;
let database: pg.PoolConfig;

async function run(action: KeysAction) {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: string[] = [];
  const errChunks: string[] = [];
  out.on('data', (d: Buffer) => chunks.push(d.toString()));
  err.on('data', (d: Buffer) => errChunks.push(d.toString()));
  const code = await keys(action, database, out, err);
  return { code, stdout: chunks.join(''), stderr: errChunks.join('') };
}

before(async () => {
  postgres = await startPostgres();
  database = { host: '127.0.0.1', port: postgres.port, user: 'postgres', database: 'postgres' };
});

after(async () => {
  await postgres?.stop();
});

describe('opsight keys', () => {
  test('the default key is created once, on an empty database, for user "default"', async () => {
    const first = await ensureDefaultKey(database);
    assert.match(first ?? '', /^sk-[A-Za-z0-9_-]{43}$/);
    assert.equal(await ensureDefaultKey(database), undefined);
    const { stdout } = await run({ action: 'list', userId: 'default' });
    assert.match(stdout, /default\s+default\s+active\s+never/);
  });

  test('create prints the key once and stores only its hash, prefix, owner and expiry', async () => {
    const before = Date.now();
    const { code, stdout } = await run({ action: 'create', userId: 'alice', expiresIn: '30d', name: 'ci' });
    assert.equal(code, 0);
    const key = /^(sk-[A-Za-z0-9_-]{43})$/m.exec(stdout)?.[1];
    assert.ok(key, stdout);
    assert.match(stdout, /^created key_[0-9a-f]{16} for user alice \(expires /);
    const pool = new pg.Pool(database);
    pool.on('error', () => {});
    try {
      const { rows } = await pool.query('SELECT * FROM api_keys WHERE user_id = $1', ['alice']);
      assert.equal(rows.length, 1);
      assert.deepEqual(rows[0].key_hash, hashApiKey(key));
      assert.equal(rows[0].prefix, key.slice(0, 11));
      assert.equal(rows[0].name, 'ci');
      const expires = rows[0].expires_at.getTime() - before;
      assert.ok(expires >= 30 * 86_400_000 && expires < 30 * 86_400_000 + 60_000);
      assert.equal(JSON.stringify(rows).includes(key.slice(11)), false);
    } finally {
      await pool.end();
    }
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

  test('durations: s m h d w; anything else is a usage error', () => {
    assert.equal(parseExpiresIn('30d'), 30 * 86_400_000);
    assert.equal(parseExpiresIn('12h'), 12 * 3_600_000);
    assert.equal(parseExpiresIn('2w'), 14 * 86_400_000);
    for (const bad of ['30', '0d', '-1d', '1y', 'd', '30 d'])
      assert.throws(() => parseExpiresIn(bad), /--expires-in/);
  });

  test('bad arguments exit 2 with the usage; an unreachable database exits 1', () => {
    const bin = fileURLToPath(new URL('../../src/bin/opsight.js', import.meta.url));
    const cases: [string[], number, RegExp][] = [
      [['keys'], 2, /keys needs create, list or revoke/],
      [['keys', 'create'], 2, /needs --user/],
      [['keys', 'create', '--user', 'x', '--rpm', 'many'], 2, /--rpm must be a positive whole number/],
      [['keys', 'create', '--user', 'x', '--expires-in', '1y'], 2, /--expires-in/],
      [['keys', 'revoke'], 2, /one key id or prefix/],
      [['keys', 'list'], 1, /cannot reach PostgreSQL at 127\.0\.0\.1:1 /],
    ];
    for (const [args, status, message] of cases) {
      const r = spawnSync(process.execPath, [bin, ...args], {
        encoding: 'utf8',
        env: { ...process.env, OPSIGHT_PORT_POSTGRES_PRIMARY: '1', OPSIGHT_VAR_DIR: postgresVar() },
      });
      assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });
});

// The command reads the stack's secrets (creating them on first use): keep them out of the checkout.
let varDir: string | undefined;
function postgresVar(): string {
  varDir ??= `${process.env.TMPDIR ?? '/tmp'}/opsight-keys-test-${process.pid}`;
  return varDir;
}
after(() => {
  if (varDir) spawnSync('rm', ['-rf', varDir]);
});
