import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ADMIN_API_PREFIX, KEY_ADMIN_PATHS } from '../../src/admin/key-admin-contract.js';
import {
  AmbiguousApiKeyError,
  type CreateApiKeyOptions,
  RevokedApiKeyError,
} from '../../src/keys/api-key-store.js';
import { type KeyAdminStore, keyAdminPlugin } from '../../src/plugins/key-admin.js';
import { baseApp, keyRecord, testTelemetry } from '../support/plugin-app.js';

const ADMIN_KEY = 'admin-key-for-tests-0123456789';
const SECRET = `sk-${'S'.repeat(43)}`;
const lines: string[] = [];
const telemetry = testTelemetry(lines);
const created: CreateApiKeyOptions[] = [];
const changed: string[] = [];

const store: KeyAdminStore = {
  create: async (options) => {
    created.push(options);
    return { record: keyRecord({ userId: options.userId, name: options.name ?? null }), key: SECRET };
  },
  list: async (userId) => [keyRecord({ userId: userId ?? 'user-a' })],
  revoke: async (target) => {
    if (target === 'sk-AAAAAAAA') throw new AmbiguousApiKeyError(target, 2);
    return target === 'key_0123456789abcdef' ? keyRecord({ status: 'revoked' }) : undefined;
  },
  rotate: async (target) => {
    if (target === 'key_00000000000000dd') throw new RevokedApiKeyError(target);
    return target === 'key_0123456789abcdef' ? { record: keyRecord(), key: SECRET } : undefined;
  },
};

function appWith(adminKey: string | undefined): FastifyInstance {
  const app = baseApp(telemetry);
  app.register(keyAdminPlugin, {
    prefix: ADMIN_API_PREFIX,
    store,
    adminKey,
    onKeyChanged: (id) => void changed.push(id),
    telemetry,
  });
  return app;
}

const app = appWith(ADMIN_KEY);
const off = appWith(undefined);
after(() => Promise.all([app.close(), off.close()]));

function call(
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${ADMIN_KEY}` },
  target = app,
) {
  return target.inject({
    method,
    url,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    payload: body === undefined ? undefined : JSON.stringify(body),
  });
}
const errorOf = (r: { json(): unknown }) =>
  (r.json() as { error: { code: string; param: string | null } }).error;

describe('key admin API', () => {
  test('no admin key configured: every admin path is 404, as an unknown path', async () => {
    for (const [method, url] of [
      ['GET', KEY_ADMIN_PATHS.keys],
      ['POST', KEY_ADMIN_PATHS.revoke('key_0123456789abcdef')],
    ] as const) {
      const r = await call(method, url, undefined, { authorization: `Bearer ${ADMIN_KEY}` }, off);
      assert.equal(r.statusCode, 404);
      assert.equal(errorOf(r).code, 'NOT_FOUND');
    }
  });

  test('the admin key: missing and wrong are 401 naming authorization; an API key is not an admin key', async () => {
    const cases: [Record<string, string>, string][] = [
      [{}, 'ADMIN_KEY_MISSING'],
      [{ authorization: 'Bearer wrong-admin-key-0123456789' }, 'ADMIN_KEY_INVALID'],
      [{ authorization: `Bearer ${ADMIN_KEY}x` }, 'ADMIN_KEY_INVALID'],
      [{ authorization: `Basic ${ADMIN_KEY}` }, 'ADMIN_KEY_INVALID'],
      [{ authorization: `Bearer ${SECRET}` }, 'ADMIN_KEY_INVALID'],
    ];
    for (const [headers, code] of cases) {
      for (const [method, url, body] of [
        ['GET', KEY_ADMIN_PATHS.keys, undefined],
        ['POST', KEY_ADMIN_PATHS.keys, { user_id: 'x' }],
        ['POST', KEY_ADMIN_PATHS.rotate('key_0123456789abcdef'), undefined],
      ] as const) {
        const r = await call(method, url, body, headers);
        assert.equal(r.statusCode, 401, `${method} ${url} ${JSON.stringify(headers)}`);
        assert.deepEqual([errorOf(r).code, errorOf(r).param], [code, 'authorization']);
      }
    }
    assert.equal(created.length, 0, 'nothing was created without the admin key');
    assert.equal((await call('GET', KEY_ADMIN_PATHS.keys)).statusCode, 200);
  });

  test('create: 201 with the record and the secret, shown once and never logged', async () => {
    const r = await call('POST', KEY_ADMIN_PATHS.keys, {
      user_id: 'alice',
      name: 'ci',
      expires_in_seconds: 86_400,
      rpm_limit: 60,
      tpm_limit: 1000,
    });
    assert.equal(r.statusCode, 201, r.body);
    const body = r.json() as { api_key: { id: string; user_id: string; created_at: string }; secret: string };
    assert.equal(body.secret, SECRET);
    assert.equal(body.api_key.user_id, 'alice');
    assert.equal(body.api_key.created_at, '2026-01-01T00:00:00.000Z');
    assert.deepEqual(created.at(-1), {
      userId: 'alice',
      name: 'ci',
      expiresInMs: 86_400_000,
      rpmLimit: 60,
      tpmLimit: 1000,
    });
    assert.ok(lines.some((l) => l.includes('API key created')));
    assert.equal(lines.join('\n').includes(SECRET), false);
    assert.equal(lines.join('\n').includes(ADMIN_KEY), false);
  });

  test('create: each bad field is 400 INVALID_REQUEST naming it', async () => {
    const cases: [unknown, string][] = [
      [[], 'body'],
      [{}, 'user_id'],
      [{ user_id: '' }, 'user_id'],
      [{ user_id: 'has space' }, 'user_id'],
      [{ user_id: 7 }, 'user_id'],
      [{ user_id: 'x'.repeat(129) }, 'user_id'],
      [{ user_id: 'a', name: '' }, 'name'],
      [{ user_id: 'a', name: 3 }, 'name'],
      [{ user_id: 'a', expires_in_seconds: 0 }, 'expires_in_seconds'],
      [{ user_id: 'a', expires_in_seconds: -5 }, 'expires_in_seconds'],
      [{ user_id: 'a', expires_in_seconds: '30d' }, 'expires_in_seconds'],
      [{ user_id: 'a', expires_in_seconds: 1e12 }, 'expires_in_seconds'],
      [{ user_id: 'a', rpm_limit: 0 }, 'rpm_limit'],
      [{ user_id: 'a', rpm_limit: 1.5 }, 'rpm_limit'],
      [{ user_id: 'a', tpm_limit: 2 ** 31 }, 'tpm_limit'],
      [{ user_id: 'a', owner: 'b' }, 'owner'],
    ];
    for (const [body, param] of cases) {
      const r = await call('POST', KEY_ADMIN_PATHS.keys, body);
      assert.equal(r.statusCode, 400, JSON.stringify(body));
      assert.deepEqual([errorOf(r).code, errorOf(r).param], ['INVALID_REQUEST', param], JSON.stringify(body));
    }
    const notJson = await app.inject({
      method: 'POST',
      url: KEY_ADMIN_PATHS.keys,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      payload: '{"user_id":',
    });
    assert.deepEqual(
      [notJson.statusCode, errorOf(notJson).code, errorOf(notJson).param],
      [400, 'INVALID_JSON', 'body'],
    );
  });

  test("list: every key or one user's; an unknown or bad query parameter is 400 naming it", async () => {
    const r = await call('GET', `${KEY_ADMIN_PATHS.keys}?user_id=bob`);
    assert.equal(r.statusCode, 200);
    const body = r.json() as { object: string; data: { user_id: string; prefix: string }[] };
    assert.equal(body.object, 'list');
    assert.equal(body.data[0]?.user_id, 'bob');
    assert.equal(JSON.stringify(body).includes('secret'), false);
    for (const [query, param] of [
      ['?owner=bob', 'owner'],
      ['?user_id=', 'user_id'],
    ]) {
      const bad = await call('GET', `${KEY_ADMIN_PATHS.keys}${query}`);
      assert.deepEqual([bad.statusCode, errorOf(bad).param], [400, param], query);
    }
  });

  test('revoke and rotate: by id or prefix; unknown 404, ambiguous and revoked 409, a bad target 400', async () => {
    const revoked = await call('POST', KEY_ADMIN_PATHS.revoke('key_0123456789abcdef'));
    assert.equal(revoked.statusCode, 200);
    assert.equal((revoked.json() as { api_key: { status: string } }).api_key.status, 'revoked');
    const rotated = await call('POST', KEY_ADMIN_PATHS.rotate('key_0123456789abcdef'));
    assert.equal(rotated.statusCode, 200);
    assert.equal((rotated.json() as { secret: string }).secret, SECRET);
    assert.deepEqual(changed.slice(-2), ['key_0123456789abcdef', 'key_0123456789abcdef']);
    const cases: [string, number, string][] = [
      [KEY_ADMIN_PATHS.revoke('key_00000000000000ff'), 404, 'API_KEY_NOT_FOUND'],
      [KEY_ADMIN_PATHS.rotate('sk-BBBBBBBB'), 404, 'API_KEY_NOT_FOUND'],
      [KEY_ADMIN_PATHS.revoke('sk-AAAAAAAA'), 409, 'API_KEY_AMBIGUOUS'],
      [KEY_ADMIN_PATHS.rotate('key_00000000000000dd'), 409, 'API_KEY_NOT_ACTIVE'],
      [KEY_ADMIN_PATHS.revoke('nope'), 400, 'INVALID_REQUEST'],
      [KEY_ADMIN_PATHS.rotate('sk-toolongprefix'), 400, 'INVALID_REQUEST'],
    ];
    for (const [url, status, code] of cases) {
      const r = await call('POST', url);
      assert.deepEqual([r.statusCode, errorOf(r).code, errorOf(r).param], [status, code, 'key'], url);
    }
  });

  test('no browser reaches it: a rebound Host is 421, a foreign Origin 403, a form body 415', async () => {
    const auth = { authorization: `Bearer ${ADMIN_KEY}` };
    const rebound = await call('GET', KEY_ADMIN_PATHS.keys, undefined, {
      ...auth,
      host: 'evil.example:8081',
    });
    assert.equal(rebound.statusCode, 421);
    const foreign = await call(
      'POST',
      KEY_ADMIN_PATHS.keys,
      { user_id: 'x' },
      {
        ...auth,
        origin: 'http://evil.example',
      },
    );
    assert.equal(foreign.statusCode, 403);
    const console = await call(
      'POST',
      KEY_ADMIN_PATHS.keys,
      { user_id: 'x' },
      {
        ...auth,
        origin: 'http://127.0.0.1:3000',
      },
    );
    assert.equal(console.statusCode, 403, 'not even the console writes here');
    const form = await app.inject({
      method: 'POST',
      url: KEY_ADMIN_PATHS.keys,
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'user_id=x',
    });
    assert.equal(form.statusCode, 415);
  });
});
