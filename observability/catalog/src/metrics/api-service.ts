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
