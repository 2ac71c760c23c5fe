import { cacheBypassedTotal, cacheHitsTotal, cacheMissesTotal } from '@opsight/catalog';
import type { Telemetry } from '@opsight/telemetry';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { CachedCompletion } from '../internal/redis/response-cache.js';
import { withDbSpan } from '../internal/tracing/client-span.js';
import type { DependencyCall } from './dependency-call.js';
import type { OutageWarning } from './outage-log.js';

/** Where answers are cached (Redis). */
export interface CompletionStore {
  /** The cache key of a request's answer-shaping fields, for a user. */
  keyOf(request: unknown, userId: string): string;
  get(key: string): Promise<CachedCompletion | undefined>;
  set(key: string, value: CachedCompletion): Promise<void>;
}

/** Options of {@link responseCachePlugin}. */
export interface ResponseCachePluginOptions {
  /** The cache. */
  cache: CompletionStore;
  /** Bounds each Redis call and skips Redis while it is down (Redis's guard). */
  guard: DependencyCall;
  /** Counters and spans. */
  telemetry: Telemetry;
  /** Where cache outages are reported. */
  warnOutage: OutageWarning;
}

/** What a cache lookup found, and how to keep the answer of a miss. */
export interface CacheLookup {
  /** The cached answer, on a hit. */
  hit?: CachedCompletion;
  /** Keeps the answer of a miss (in the background); does nothing when the cache was bypassed. */
  store(completion: CachedCompletion): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Looks up the cached answer of a deterministic request (`request`: the fields that shape the
     * answer) for a user. Redis being down counts as a bypass, answered like a miss.
     */
    lookupCompletion(request: unknown, userId: string): Promise<CacheLookup>;
  }
}

const plugin: FastifyPluginAsync<ResponseCachePluginOptions> = async (app, options) => {
  const { cache, guard, warnOutage } = options;
  const { metrics, tracer } = options.telemetry;
  const hits = metrics.counter(cacheHitsTotal);
  const misses = metrics.counter(cacheMissesTotal);
  const bypassed = metrics.counter(cacheBypassedTotal);
  hits.inc({ cache: 'response' }, 0);
  misses.inc({ cache: 'response' }, 0);
  bypassed.inc({ cache: 'response' }, 0);

  app.decorate('lookupCompletion', async (request: unknown, userId: string): Promise<CacheLookup> => {
    const key = cache.keyOf(request, userId);
    let hit: CachedCompletion | undefined;
    try {
      hit = await guard.run(() =>
        withDbSpan(tracer, { system: 'redis', operation: 'GET' }, () => cache.get(key)),
      );
    } catch (error) {
      // Redis down: answer from the model, as for a miss, and do not try to store the answer.
      bypassed.inc({ cache: 'response' });
      warnOutage('response_cache_unavailable', error, 'response cache unavailable: bypassed');
      return { store: () => {} };
    }
    if (hit) {
      hits.inc({ cache: 'response' });
      return { hit, store: () => {} };
    }
    misses.inc({ cache: 'response' });
    return {
      store: (completion) => {
        guard
          .run(() =>
            withDbSpan(tracer, { system: 'redis', operation: 'SET' }, () => cache.set(key, completion)),
          )
          .catch((error: unknown) =>
            warnOutage('response_cache_write_failed', error, 'response cache write failed'),
          );
      },
    };
  });
};

/**
 * The response cache of deterministic chat requests (Redis, per user unless shared): `app.lookupCompletion`
 * answers hits, keeps the answers of misses, and bypasses the cache while Redis is down.
 */
export const responseCachePlugin = fp(plugin, { name: 'api-response-cache', fastify: '5.x' });
