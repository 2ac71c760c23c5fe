import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ApiKeyCache } from '../../src/keys/api-key-cache.js';
import type { ApiKeyRecord } from '../../src/keys/api-key-store.js';
import { MODELS_ROUTE } from '../../src/plugins/api-call.js';
import { authPlugin } from '../../src/plugins/auth.js';
import type { DependencyCall } from '../../src/plugins/dependency-call.js';
import {
  baseApp,
  downGuard,
  KEY,
  keyRecord,
  metricsOf,
  sample,
  testTelemetry,
  upGuard,
} from '../support/plugin-app.js';

const lines: string[] = [];
const telemetry = testTelemetry(lines);
const apps: FastifyInstance[] = [];
after(() => Promise.all(apps.map((a) => a.close())));

function appWith(
  records: Map<string, ApiKeyRecord>,
  options: { guard?: DependencyCall; keyCache?: ApiKeyCache; now?: () => number } = {},
) {
  const lookups: string[] = [];
  const app = baseApp(telemetry);
  app.register(authPlugin, {
    keys: {
      findByKey: async (key) => {
        lookups.push(key);
        return records.get(key);
      },
    },
    keyCache: options.keyCache ?? new ApiKeyCache({ freshMs: 0, fallbackMs: 0 }),
    guard: options.guard ?? upGuard,
    telemetry,
    warnOutage: () => {},
    retryAfterSeconds: 9,
    now: options.now,
  });
  app.register(async (scope) => {
    scope.get(MODELS_ROUTE, async (request) => ({ key_id: request.apiCall!.key!.id }));
    scope.get('/elsewhere', async () => ({ ok: true }));
  });
  apps.push(app);
  return { app, lookups };
}

const get = (app: FastifyInstance, auth?: string, url = MODELS_ROUTE) =>
  app.inject({ method: 'GET', url, headers: auth === undefined ? {} : { authorization: auth } });
const codeOf = (body: string) => (JSON.parse(body) as { error: { code: string } }).error.code;

describe('auth plugin', () => {
  test('a known active key reaches the route with its record; other routes need no key', async () => {
    const { app } = appWith(new Map([[KEY, keyRecord()]]));
    const ok = await get(app, `Bearer ${KEY}`);
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { key_id: 'key_0123456789abcdef' });
    assert.equal((await get(app, undefined, '/elsewhere')).statusCode, 200);
  });

  test('missing, malformed, unknown, revoked and expired keys get 401 with their code', async () => {
    const revoked = `sk-${'R'.repeat(43)}`;
    const expired = `sk-${'E'.repeat(43)}`;
    const { app } = appWith(
      new Map([
        [revoked, keyRecord({ status: 'revoked' })],
        [expired, keyRecord({ expiresAt: new Date(Date.now() - 1000) })],
      ]),
    );
    const cases: [string | undefined, string][] = [
      [undefined, 'API_KEY_MISSING'],
      ['Basic abc', 'API_KEY_MALFORMED'],
      ['Bearer sk-short', 'API_KEY_MALFORMED'],
      [`Bearer ${KEY}`, 'API_KEY_UNKNOWN'],
      [`Bearer ${revoked}`, 'API_KEY_REVOKED'],
      [`Bearer ${expired}`, 'API_KEY_EXPIRED'],
    ];
    for (const [auth, code] of cases) {
      const r = await get(app, auth);
      assert.equal(r.statusCode, 401, String(auth));
      assert.equal(codeOf(r.body), code, String(auth));
    }
  });

  test('a fresh cached record is used without a lookup (api_key cache hits)', async () => {
    const { app, lookups } = appWith(new Map([[KEY, keyRecord()]]), {
      keyCache: new ApiKeyCache({ freshMs: 60_000 }),
    });
    const before = sample(await metricsOf(app), 'cache_hits_total{cache="api_key"}') ?? 0;
    for (let i = 0; i < 3; i++) assert.equal((await get(app, `Bearer ${KEY}`)).statusCode, 200);
    assert.equal(lookups.length, 1);
    assert.equal(sample(await metricsOf(app), 'cache_hits_total{cache="api_key"}'), before + 2);
  });

  test('key store down: a recently seen key authenticates from memory, an unseen one gets 503', async () => {
    let guard: DependencyCall = upGuard;
    const keyCache = new ApiKeyCache({ freshMs: 0, fallbackMs: 60_000 });
    const { app } = appWith(new Map([[KEY, keyRecord()]]), {
      keyCache,
      guard: { run: (call) => guard.run(call) },
    });
    assert.equal((await get(app, `Bearer ${KEY}`)).statusCode, 200);
    guard = downGuard;
    assert.equal((await get(app, `Bearer ${KEY}`)).statusCode, 200);
    const unseen = await get(app, `Bearer sk-${'U'.repeat(43)}`);
    assert.equal(unseen.statusCode, 503);
    assert.equal(codeOf(unseen.body), 'AUTH_BACKEND_UNAVAILABLE');
    assert.equal(unseen.headers['retry-after'], '9');
    const text = await metricsOf(app);
    assert.equal(sample(text, 'api_key_store_unavailable_total{outcome="cached"}'), 1);
    assert.equal(sample(text, 'api_key_store_unavailable_total{outcome="refused"}'), 1);
  });
});
