import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { KnownModels } from '../../src/internal/known-models.js';
import { ApiKeyCache } from '../../src/keys/api-key-cache.js';
import { MODELS_ROUTE } from '../../src/plugins/api-call.js';
import { authPlugin } from '../../src/plugins/auth.js';
import { limitsPlugin } from '../../src/plugins/limits.js';
import { modelsRoutePlugin } from '../../src/plugins/models-route.js';
import { baseApp, KEY, keyRecord, testTelemetry, upGuard } from '../support/plugin-app.js';

const telemetry = testTelemetry([]);
const models = new KnownModels();
const app = baseApp(telemetry);
app.register(authPlugin, {
  keys: { findByKey: async (key) => (key === KEY ? keyRecord() : undefined) },
  keyCache: new ApiKeyCache(),
  guard: upGuard,
  telemetry,
  warnOutage: () => {},
  retryAfterSeconds: 5,
});
app.register(limitsPlugin, {
  gate: { admit: async () => ({ ok: true }), spendTokens: async () => {} },
  guard: upGuard,
  telemetry,
  warnOutage: () => {},
  defaultRpm: 600,
  defaultTpm: 200_000,
  failMode: 'open',
  retryAfterSeconds: 5,
});
app.register(modelsRoutePlugin, {
  router: {
    listModels: async () => [
      { id: 'chat-fast', created: 1_700_000_000, owned_by: 'opsight', available: true },
    ],
  },
  models,
});
after(() => app.close());

describe('models route plugin', () => {
  test("the router's models in OpenAI's list shape; each becomes a model_name label value", async () => {
    const r = await app.inject({
      method: 'GET',
      url: MODELS_ROUTE,
      headers: { authorization: `Bearer ${KEY}` },
    });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), {
      object: 'list',
      data: [{ id: 'chat-fast', object: 'model', created: 1_700_000_000, owned_by: 'opsight' }],
    });
    assert.equal(models.label('chat-fast'), 'chat-fast');
    assert.equal(models.label('anything-else'), 'other');
  });

  test('keyed like every API route', async () => {
    const r = await app.inject({ method: 'GET', url: MODELS_ROUTE });
    assert.equal(r.statusCode, 401);
    assert.equal(r.json().error.code, 'API_KEY_MISSING');
  });
});
