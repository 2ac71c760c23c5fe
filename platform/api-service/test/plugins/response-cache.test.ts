import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { CachedCompletion } from '../../src/internal/redis/response-cache.js';
import type { DependencyCall } from '../../src/plugins/dependency-call.js';
import { type CompletionStore, responseCachePlugin } from '../../src/plugins/response-cache.js';
import { baseApp, downGuard, metricsOf, sample, testTelemetry, upGuard } from '../support/plugin-app.js';

const telemetry = testTelemetry([]);
const apps: FastifyInstance[] = [];
after(() => Promise.all(apps.map((a) => a.close())));

const answer: CachedCompletion = {
  model: 'm',
  content: 'hello',
  finishReason: 'stop',
  promptTokens: 1,
  completionTokens: 2,
};

function mapStore(): CompletionStore & { entries: Map<string, CachedCompletion> } {
  const entries = new Map<string, CachedCompletion>();
  return {
    entries,
    keyOf: (request, userId) => `${userId}:${JSON.stringify(request)}`,
    get: async (key) => entries.get(key),
    set: async (key, value) => void entries.set(key, value),
  };
}

async function appWith(cache: CompletionStore, guard: DependencyCall) {
  const outages: string[] = [];
  const app = baseApp(telemetry);
  app.register(responseCachePlugin, {
    cache,
    guard,
    telemetry,
    warnOutage: (event) => void outages.push(event),
  });
  apps.push(app);
  await app.ready();
  return { app, outages };
}

describe('response cache plugin', () => {
  test('a miss keeps the answer; the same request of the same user then hits', async () => {
    const store = mapStore();
    const { app } = await appWith(store, upGuard);
    const before = await metricsOf(app);
    const first = await app.lookupCompletion({ model: 'm', prompt: 'p' }, 'alice');
    assert.equal(first.hit, undefined);
    first.store(answer);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual((await app.lookupCompletion({ model: 'm', prompt: 'p' }, 'alice')).hit, answer);
    assert.equal((await app.lookupCompletion({ model: 'm', prompt: 'p' }, 'bob')).hit, undefined);
    const text = await metricsOf(app);
    const delta = (series: string) => (sample(text, series) ?? 0) - (sample(before, series) ?? 0);
    assert.equal(delta('cache_hits_total{cache="response"}'), 1);
    assert.equal(delta('cache_misses_total{cache="response"}'), 2);
  });

  test('Redis down: bypassed like a miss, nothing stored, the outage reported', async () => {
    const store = mapStore();
    const { app, outages } = await appWith(store, downGuard);
    const lookup = await app.lookupCompletion({ model: 'm' }, 'alice');
    assert.equal(lookup.hit, undefined);
    lookup.store(answer);
    assert.equal(store.entries.size, 0);
    assert.deepEqual(outages, ['response_cache_unavailable']);
    assert.equal(sample(await metricsOf(app), 'cache_bypassed_total{cache="response"}'), 1);
  });
});
