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
  note: `${note} A counter of bytes despite the name (the strategy queries it with rate()), exposed with the gauge type so that its samples keep this name (an OpenMetrics counter's samples end in _total).`,
});

export const nginxHttpResponseSizeBytes = defineMetric({
  name: 'nginx_http_response_size_bytes',
  help: 'Bytes sent by the nginx gateway, by host.',
  type: 'counter',
  unit: 'bytes',
  labels: ['host'],
  source: 'gateway-telemetry',
  note: `${note} A counter of bytes despite the name (the strategy queries it with rate()), exposed with the gauge type so that its samples keep this name (an OpenMetrics counter's samples end in _total).`,
});

const selfNote = "gateway-telemetry's own health, beside the nginx_http_* families it derives.";

export const gatewayTelemetryLinesTotal = defineMetric({
  name: 'gateway_telemetry_lines_total',
  help: 'Access-log lines read and turned into metrics and a span.',
  type: 'counter',
  unit: 'lines',
  labels: [],
  source: 'gateway-telemetry',
  note: selfNote,
});

export const gatewayTelemetryParseErrorsTotal = defineMetric({
  name: 'gateway_telemetry_parse_errors_total',
  help: 'Access-log lines skipped because they could not be used, by reason.',
  type: 'counter',
  unit: 'lines',
  labels: ['reason'],
  source: 'gateway-telemetry',
  note: `${selfNote} \`reason\`: invalid_json, invalid_field (a field missing or of the wrong type), truncated (a line cut by rotation or truncation), too_long.`,
});

export const gatewayTelemetryLagBytes = defineMetric({
  name: 'gateway_telemetry_lag_bytes',
  help: 'Bytes of the access log written by nginx and not yet read.',
  type: 'gauge',
  unit: 'bytes',
  labels: [],
  source: 'gateway-telemetry',
  note: selfNote,
});

export const gatewayTelemetryLagSeconds = defineMetric({
  name: 'gateway_telemetry_lag_seconds',
  help: 'Time from the end of a request (its access-log timestamp) to its line being read, for the latest line.',
  type: 'gauge',
  unit: 'seconds',
  labels: [],
  source: 'gateway-telemetry',
  note: selfNote,
});

export const gatewayTelemetryReopensTotal = defineMetric({
  name: 'gateway_telemetry_log_reopens_total',
  help: 'Times the access log was found rotated (a new file at the path) or truncated, by reason.',
  type: 'counter',
  unit: '1',
  labels: ['reason'],
  source: 'gateway-telemetry',
  note: `${selfNote} \`reason\`: rotated or truncated.`,
});
