import { apiKeyStoreUnavailableTotal, cacheHitsTotal, cacheMissesTotal } from '@opsight/catalog';
import { setUserId, type Telemetry } from '@opsight/telemetry';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../error-catalogue.js';
import { withDbSpan } from '../internal/tracing/client-span.js';
import type { ApiKeyCache } from '../keys/api-key-cache.js';
import { API_KEY_PATTERN, type ApiKeyRecord, hashApiKey } from '../keys/api-key-store.js';
import type { ApiCall } from './api-call.js';
import type { DependencyCall } from './dependency-call.js';
import type { OutageWarning } from './outage-log.js';

/** Where key records are read: the key store. */
export interface KeyLookup {
  /** The record of a key, by the key itself; undefined when no record matches. */
  findByKey(key: string): Promise<ApiKeyRecord | undefined>;
}

/** Options of {@link authPlugin}. */
export interface AuthPluginOptions {
  /** The key store. */
  keys: KeyLookup;
  /** Recently read key records, also the fallback while the key store cannot be reached. */
  keyCache: ApiKeyCache;
  /** Bounds each key lookup and skips the store while it is down (PostgreSQL's guard). */
  guard: DependencyCall;
  /** Counters, spans and the request's user id. */
  telemetry: Telemetry;
  /** Where key store outages are reported. */
  warnOutage: OutageWarning;
  /** `Retry-After` of the 503 answered while the key store is down. */
  retryAfterSeconds: number;
  /** Clock (ms) of the cache ages and key expiries. @default Date.now */
  now?: () => number;
}

const plugin: FastifyPluginAsync<AuthPluginOptions> = async (app, options) => {
  const { keys, keyCache, guard, warnOutage, retryAfterSeconds } = options;
  const { metrics, tracer } = options.telemetry;
  const now = options.now ?? Date.now;
  const hits = metrics.counter(cacheHitsTotal);
  const misses = metrics.counter(cacheMissesTotal);
  const keyStoreDown = metrics.counter(apiKeyStoreUnavailableTotal);
  hits.inc({ cache: 'api_key' }, 0);
  misses.inc({ cache: 'api_key' }, 0);
  for (const outcome of ['cached', 'refused']) keyStoreDown.inc({ outcome }, 0);

  /** Authenticates the request's key; its record goes in the call state. */
  async function authenticate(request: FastifyRequest, call: ApiCall): Promise<void> {
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      throw new ApiError('API_KEY_MISSING', 'an API key is required: Authorization: Bearer sk-…');
    }
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match || !API_KEY_PATTERN.test(match[1]!)) {
      throw new ApiError(
        'API_KEY_MALFORMED',
        'the Authorization header must be "Bearer sk-…" with a valid key',
      );
    }
    const secret = match[1]!;
    const hash = hashApiKey(secret).toString('hex');
    const at = now();
    let record: ApiKeyRecord | undefined = keyCache.fresh(hash, at);
    if (record) {
      hits.inc({ cache: 'api_key' });
    } else {
      misses.inc({ cache: 'api_key' });
      try {
        record = await guard.run(() =>
          withDbSpan(
            tracer,
            {
              system: 'postgresql',
              operation: 'SELECT',
              collection: 'api_keys',
              query: 'SELECT … FROM api_keys WHERE key_hash = $1',
            },
            () => keys.findByKey(secret),
          ),
        );
      } catch (error) {
        // PostgreSQL is down or slow: a key seen recently still authenticates from its record in memory.
        record = keyCache.fallback(hash, at);
        keyStoreDown.inc({ outcome: record ? 'cached' : 'refused' });
        warnOutage(
          'api_key_store_unavailable',
          error,
          'API key store unavailable: recently seen keys authenticate from memory, others get 503',
        );
        if (!record) {
          throw new ApiError(
            'AUTH_BACKEND_UNAVAILABLE',
            'the key store is unavailable and this key was not seen recently; retry later',
            undefined,
            retryAfterSeconds,
          );
        }
      }
      if (record) keyCache.set(hash, record, at);
      else keyCache.delete(hash);
    }
    if (!record) throw new ApiError('API_KEY_UNKNOWN', 'the API key is not known');
    call.key = record;
    setUserId(record.userId);
    if (record.status === 'revoked') throw new ApiError('API_KEY_REVOKED', 'the API key was revoked');
    if (record.expiresAt && record.expiresAt.getTime() <= at) {
      throw new ApiError('API_KEY_EXPIRED', `the API key expired at ${record.expiresAt.toISOString()}`);
    }
  }

  app.addHook('onRequest', async (request) => {
    const call = request.apiCall;
    if (call) await authenticate(request, call);
  });
};

/**
 * API key authentication of the API routes (`Authorization: Bearer sk-…`): records are read from the key
 * store through a short-lived cache, and while the store is down a key seen recently still authenticates
 * from memory. Unknown, revoked and expired keys get 401 with their catalogue code; the key's record and
 * user id join the call state, logs and spans.
 */
export const authPlugin = fp(plugin, {
  name: 'api-auth',
  fastify: '5.x',
  dependencies: ['api-call', 'api-error-handling'],
  decorators: { request: ['apiCall'] },
});
