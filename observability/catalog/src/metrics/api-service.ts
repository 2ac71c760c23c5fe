import { defineMetric } from '../metric-definition.js';

export const apiKeyExpiryTimestampSeconds = defineMetric({
  name: 'api_key_expiry_timestamp_seconds',
  help: 'Unix time at which an active API key expires.',
  type: 'gauge',
  unit: 'timestamp',
  labels: ['key_id'],
  source: 'service',
  note: "The one metric with a key label: `key_id` is the key's public id (never the secret), one series per active key.",
});

export const apiKeyExpiryDays = defineMetric({
  name: 'api_key_expiry_days',
  help: 'Days until an API key expires.',
  type: 'gauge',
  unit: 'days',
  labels: ['key_id'],
  source: 'recording-rule',
  derivedFrom: '(api_key_expiry_timestamp_seconds - time()) / 86400',
  note: 'The strategy alerts on `api_key_expiry_days < 7`.',
});

export const rateLimitRejectionsTotal = defineMetric({
  name: 'rate_limit_rejections_total',
  help: 'Requests rejected by a rate limit, by kind of limit.',
  type: 'counter',
  unit: 'requests',
  labels: ['limit'],
  source: 'service',
  note: '`limit` is one of RATE_LIMIT_KINDS. Keys and users are never labels; they are in the log line.',
});

export const cacheHitsTotal = defineMetric({
  name: 'cache_hits_total',
  help: 'Lookups answered from a cache.',
  type: 'counter',
  unit: 'requests',
  labels: ['cache'],
  source: 'service',
  note: '`cache` is one of CACHE_NAMES.',
});

export const cacheMissesTotal = defineMetric({
  name: 'cache_misses_total',
  help: 'Lookups a cache could not answer.',
  type: 'counter',
  unit: 'requests',
  labels: ['cache'],
  source: 'service',
  note: 'Hit ratio: `sum(rate(cache_hits_total[5m])) / (sum(rate(cache_hits_total[5m])) + sum(rate(cache_misses_total[5m])))`.',
});

export const apiRequestsTotal = defineMetric({
  name: 'api_requests_total',
  help: 'Chat completion API calls, by model and HTTP status.',
  type: 'counter',
  unit: 'requests',
  labels: ['model_name', 'status'],
  source: 'service',
  note: 'The strategy\'s "API calls" business metric. `model_name` is bounded by the routing table (`other` otherwise, `none` before a model is known); `status` is the HTTP status code.',
});

export const apiTokensTotal = defineMetric({
  name: 'api_tokens_total',
  help: 'Tokens billed to API callers, by model and direction.',
  type: 'counter',
  unit: 'tokens',
  labels: ['model_name', 'direction'],
  source: 'service',
  note: 'Model usage distribution: `sum(rate(api_tokens_total[1h])) by (model_name)`. `direction` is one of TOKEN_DIRECTIONS.',
});

export const apiActiveUsers = defineMetric({
  name: 'api_active_users',
  help: 'Distinct users that called the API within the window (HyperLogLog estimate).',
  type: 'gauge',
  unit: 'users',
  labels: ['window'],
  source: 'service',
  note: '`window` is one of ACTIVE_USER_WINDOWS. Counted in Redis HyperLogLogs per time bucket, so every replica reports the same number; aggregate with `max`, not `sum`.',
});

export const apiUsageRowsTotal = defineMetric({
  name: 'api_usage_rows_total',
  help: 'Usage rows handled by the batch writer, by outcome.',
  type: 'counter',
  unit: 'rows',
  labels: ['outcome'],
  source: 'service',
  note: '`outcome` is `written` or `dropped` (the database refused the batch after retries, or the queue was full).',
});

export const apiUsageRowsQueued = defineMetric({
  name: 'api_usage_rows_queued',
  help: 'Usage rows waiting to be written to PostgreSQL.',
  type: 'gauge',
  unit: 'rows',
  labels: [],
  source: 'service',
  note: 'Grows while PostgreSQL is unreachable, up to the writer\'s bound; rows beyond it count as `api_usage_rows_total{outcome="dropped"}`. Held in memory: a process killed with rows queued loses them.',
});

export const apiDependencyUp = defineMetric({
  name: 'api_dependency_up',
  help: "Whether the API service's last check of a dependency answered (1) or not (0).",
  type: 'gauge',
  unit: '1',
  labels: ['dependency'],
  source: 'service',
  note: '`dependency` is one of API_DEPENDENCIES. Checked every few seconds and by /healthz; the service keeps serving in a degraded mode while one is down.',
});

export const rateLimitUncheckedTotal = defineMetric({
  name: 'rate_limit_unchecked_total',
  help: 'Requests whose rate limits could not be checked because Redis was unavailable, by what was done with them.',
  type: 'counter',
  unit: 'requests',
  labels: ['outcome'],
  source: 'service',
  note: '`outcome` is `admitted` (fail open, the default) or `refused` (fail closed: 503 DEPENDENCY_UNAVAILABLE).',
});

export const cacheBypassedTotal = defineMetric({
  name: 'cache_bypassed_total',
  help: 'Cache lookups skipped because the cache could not be reached, by cache.',
  type: 'counter',
  unit: 'requests',
  labels: ['cache'],
  source: 'service',
  note: '`cache` is one of CACHE_NAMES. A bypassed lookup is answered by the backend, as a miss would be; it is not counted as a miss.',
});

export const apiKeyStoreUnavailableTotal = defineMetric({
  name: 'api_key_store_unavailable_total',
  help: 'Key lookups made while PostgreSQL could not be reached, by outcome.',
  type: 'counter',
  unit: 'requests',
  labels: ['outcome'],
  source: 'service',
  note: '`outcome` is `cached` (authenticated from the in-memory record of a key seen recently) or `refused` (a key not seen recently: 503 AUTH_BACKEND_UNAVAILABLE).',
});
