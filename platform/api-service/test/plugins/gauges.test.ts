import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { KnownModels } from '../../src/internal/known-models.js';
import { gaugesPlugin } from '../../src/plugins/gauges.js';
import { baseApp, downGuard, metricsOf, sample, testTelemetry, upGuard } from '../support/plugin-app.js';

const lines: string[] = [];
const telemetry = testTelemetry(lines);
const models = new KnownModels();
const expiresAt = new Date('2027-01-01T00:00:00Z');

function appWith(up: boolean) {
  const app = baseApp(telemetry);
  app.register(gaugesPlugin, {
    keys: { expiringActive: async () => [{ id: 'key_00000000000000aa', expiresAt }] },
    activeUsers: { activeUsers: async () => ({ hour: 3, day: 11 }) },
    router: {
      listModels: async () => [{ id: 'chat-large', created: 0, owned_by: 'opsight', available: true }],
    },
    models,
    postgresGuard: up ? upGuard : downGuard,
    redisGuard: up ? upGuard : downGuard,
    telemetry,
    expiryRefreshMs: 60_000,
    activeUsersRefreshMs: 60_000,
    modelsRefreshMs: 60_000,
    maxExpirySeries: 10,
  });
  return app;
}

describe('gauges plugin', () => {
  const app = appWith(true);
  const down = appWith(false);
  after(() => Promise.all([app.close(), down.close()]));

  test('refreshGauges reads key expiries, active users and the routed models', async () => {
    await app.ready();
    await app.refreshGauges();
    const text = await metricsOf(app);
    assert.equal(
      sample(text, 'api_key_expiry_timestamp_seconds{key_id="key_00000000000000aa"}'),
      expiresAt.getTime() / 1000,
    );
    assert.equal(sample(text, 'api_active_users{window="1h"}'), 3);
    assert.equal(sample(text, 'api_active_users{window="1d"}'), 11);
    assert.ok(models.has('chat-large'));
  });

  test('a store that is down: the refresh is logged, the gauges keep their values', async () => {
    await down.ready();
    await down.refreshGauges();
    const messages = lines.map((l) => (JSON.parse(l) as { message: string }).message);
    assert.ok(messages.includes('key expiry refresh failed'));
    assert.ok(messages.includes('active user refresh failed'));
    assert.equal(sample(await metricsOf(down), 'api_active_users{window="1h"}'), 3);
  });
});
