import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Admission } from '../../src/internal/redis/request-gate.js';
import { ApiKeyCache } from '../../src/keys/api-key-cache.js';
import type { ApiKeyRecord } from '../../src/keys/api-key-store.js';
import { MODELS_ROUTE } from '../../src/plugins/api-call.js';
import { authPlugin } from '../../src/plugins/auth.js';
import type { DependencyCall } from '../../src/plugins/dependency-call.js';
import { type AdmissionGate, limitsPlugin } from '../../src/plugins/limits.js';
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

const telemetry = testTelemetry([]);
const apps: FastifyInstance[] = [];
after(() => Promise.all(apps.map((a) => a.close())));

interface FakeGate extends AdmissionGate {
  admitted: { keyId: string; limits: { rpm: number; tpm: number } }[];
  spent: { keyId: string; tokens: number }[];
}

function fakeGate(answer: Admission): FakeGate {
  const gate: FakeGate = {
    admitted: [],
    spent: [],
    admit: async (keyId, _userId, limits) => {
      gate.admitted.push({ keyId, limits });
      return answer;
    },
    spendTokens: async (keyId, tokens) => {
      gate.spent.push({ keyId, tokens });
    },
  };
  return gate;
}

function appWith(
  gate: AdmissionGate,
  guard: DependencyCall,
  failMode: 'open' | 'closed',
  record?: ApiKeyRecord,
) {
  const app = baseApp(telemetry);
  app.register(authPlugin, {
    keys: { findByKey: async () => record ?? keyRecord() },
    keyCache: new ApiKeyCache({ freshMs: 0, fallbackMs: 0 }),
    guard: upGuard,
    telemetry,
    warnOutage: () => {},
    retryAfterSeconds: 5,
  });
  app.register(limitsPlugin, {
    gate,
    guard,
    telemetry,
    warnOutage: () => {},
    defaultRpm: 600,
    defaultTpm: 200_000,
    failMode,
    retryAfterSeconds: 4,
  });
  app.register(async (scope) => {
    scope.get(MODELS_ROUTE, async (request) => {
      const call = request.apiCall!;
      call.promptTokens = 3;
      call.completionTokens = 4;
      scope.spendTokens(call);
      return { ok: true };
    });
  });
  apps.push(app);
  return app;
}

const get = (app: FastifyInstance) =>
  app.inject({ method: 'GET', url: MODELS_ROUTE, headers: { authorization: `Bearer ${KEY}` } });

describe('limits plugin', () => {
  test("an admitted request is counted with the key's limits, or the defaults; its tokens are spent", async () => {
    const gate = fakeGate({ ok: true });
    const app = appWith(gate, upGuard, 'open', keyRecord({ rpmLimit: 5 }));
    assert.equal((await get(app)).statusCode, 200);
    assert.deepEqual(gate.admitted, [{ keyId: 'key_0123456789abcdef', limits: { rpm: 5, tpm: 200_000 } }]);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(gate.spent, [{ keyId: 'key_0123456789abcdef', tokens: 7 }]);
  });

  test('a used-up window gets 429 with its code and Retry-After', async () => {
    for (const [limit, code] of [
      ['requests', 'RATE_LIMITED_REQUESTS'],
      ['tokens', 'RATE_LIMITED_TOKENS'],
    ] as const) {
      const app = appWith(fakeGate({ ok: false, limit, retryAfterSeconds: 7 }), upGuard, 'open');
      const r = await get(app);
      assert.equal(r.statusCode, 429);
      assert.equal(r.json().error.code, code);
      assert.equal(r.headers['retry-after'], '7');
      assert.equal(sample(await metricsOf(app), `rate_limit_rejections_total{limit="${limit}"}`), 1);
    }
  });

  test('Redis down: fail open admits and counts it; fail closed answers 503 DEPENDENCY_UNAVAILABLE', async () => {
    const open = appWith(fakeGate({ ok: true }), downGuard, 'open');
    assert.equal((await get(open)).statusCode, 200);
    assert.equal(sample(await metricsOf(open), 'rate_limit_unchecked_total{outcome="admitted"}'), 1);
    const closed = appWith(fakeGate({ ok: true }), downGuard, 'closed');
    const r = await get(closed);
    assert.equal(r.statusCode, 503);
    assert.equal(r.json().error.code, 'DEPENDENCY_UNAVAILABLE');
    assert.equal(r.headers['retry-after'], '4');
  });
});
