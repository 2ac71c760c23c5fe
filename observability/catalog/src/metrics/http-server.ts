import { HTTP_DURATION_BUCKETS } from '../buckets.js';
import { defineMetric } from '../metric-definition.js';

const labels = ['method', 'route', 'status_class'] as const;

export const httpServerRequestsTotal = defineMetric({
  name: 'http_server_requests_total',
  help: 'HTTP requests handled by the server, by route template, method and status code class.',
  type: 'counter',
  unit: 'requests',
  labels,
  source: 'telemetry-sdk',
  note: '`route` is the route template (`/v1/models/:id`), `unmatched` for requests that matched no route.',
});

export const httpServerRequestDurationSeconds = defineMetric({
  name: 'http_server_request_duration_seconds',
  help: 'Time from receiving an HTTP request to finishing its response, by route template, method and status code class.',
  type: 'histogram',
  unit: 'seconds',
  labels,
  buckets: HTTP_DURATION_BUCKETS,
  source: 'telemetry-sdk',
  note: 'Carries trace_id exemplars when scraped as OpenMetrics.',
});
