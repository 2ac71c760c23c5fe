import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { dependencyHealthPlugin, type PingedDependency } from '../../src/plugins/dependency-health.js';
import { baseApp, metricsOf, sample, testTelemetry } from '../support/plugin-app.js';

const telemetry = testTelemetry([]);

function pinged(answers: () => boolean): PingedDependency & { marks: string[] } {
  const marks: string[] = [];
  return {
    marks,
    ping: async () => {
      if (!answers()) throw new Error('connection refused');
    },
    guard: { markUp: () => void marks.push('up'), markDown: () => void marks.push('down') },
  };
}

let redisUp = true;
const postgres = pinged(() => true);
const redis = pinged(() => redisUp);
const app = baseApp(telemetry);
app.register(dependencyHealthPlugin, { postgres, redis, telemetry, checkEveryMs: 60_000 });
after(() => app.close());

describe('dependency health plugin', () => {
  test('both up: the probes answer ok, api_dependency_up is 1, the guards hear it', async () => {
    for (const url of ['/healthz', '/readyz']) {
      const r = await app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 200);
      assert.deepEqual(r.json(), { status: 'ok', checks: { postgres: 'ok', redis: 'ok' } });
    }
    assert.equal(sample(await metricsOf(app), 'api_dependency_up{dependency="redis"}'), 1);
    assert.equal(redis.marks.at(-1), 'up');
  });

  test('a dependency down: still 200 but degraded, its gauge 0, its guard backs off', async () => {
    redisUp = false;
    const r = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(r.statusCode, 200);
    assert.deepEqual(r.json(), { status: 'degraded', checks: { postgres: 'ok', redis: 'failing' } });
    assert.equal(
      sample(
        await (await app.inject({ method: 'GET', url: '/metrics' })).body,
        'api_dependency_up{dependency="redis"}',
      ),
      0,
    );
    assert.equal(sample(await metricsOf(app), 'api_dependency_up{dependency="redis"}'), 0);
    assert.equal(redis.marks.at(-1), 'down');
    assert.deepEqual(await app.checkDependencies(), { postgres: 'ok', redis: 'unavailable' });
  });
});
