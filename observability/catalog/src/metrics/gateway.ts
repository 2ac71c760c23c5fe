import { GATEWAY_DURATION_BUCKETS } from '../buckets.js';
import { defineMetric } from '../metric-definition.js';

const note = "Derived by gateway-telemetry from nginx's JSON access log.";

export const nginxHttpRequestsTotal = defineMetric({
  name: 'nginx_http_requests_total',
  help: 'Requests answered by the nginx gateway, by host and status code.',
  type: 'counter',
  unit: 'requests',
  labels: ['host', 'status'],
  source: 'gateway-telemetry',
  note,
});

export const nginxHttpRequestDurationSeconds = defineMetric({
  name: 'nginx_http_request_duration_seconds',
  help: 'nginx request time (first byte read to last byte sent), by host.',
  type: 'histogram',
  unit: 'seconds',
  labels: ['host'],
  buckets: GATEWAY_DURATION_BUCKETS,
  source: 'gateway-telemetry',
  note,
});

export const nginxHttpRequestSizeBytes = defineMetric({
  name: 'nginx_http_request_size_bytes',
  help: 'Bytes received by the nginx gateway (request line, headers and body), by host.',
  type: 'counter',
  unit: 'bytes',
  labels: ['host'],
  source: 'gateway-telemetry',
  note: `${note} A counter of bytes despite the name (the strategy queries it with rate()).`,
});

export const nginxHttpResponseSizeBytes = defineMetric({
  name: 'nginx_http_response_size_bytes',
  help: 'Bytes sent by the nginx gateway, by host.',
  type: 'counter',
  unit: 'bytes',
  labels: ['host'],
  source: 'gateway-telemetry',
  note: `${note} A counter of bytes despite the name (the strategy queries it with rate()).`,
});
