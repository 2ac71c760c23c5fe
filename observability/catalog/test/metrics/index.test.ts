import assert from 'node:assert/strict';
import { test } from 'node:test';
import { METRICS } from '../../src/metrics/index.js';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

test('every metric the strategy and the design name is in the catalog', () => {
  const names = new Set(METRICS.map((m) => m.name));
  for (const name of [
    'nginx_http_requests_total',
    'nginx_http_request_duration_seconds',
    'nginx_http_request_size_bytes',
    'nginx_http_response_size_bytes',
    'grpc_server_started_total',
    'grpc_server_handled_total',
    'grpc_server_handling_seconds',
    'grpc_server_msg_received_total',
    'grpc_server_msg_sent_total',
    'container_cpu_usage_seconds_total',
    'container_memory_working_set_bytes',
    'kube_pod_container_status_restarts_total',
    'kube_pod_container_resource_limits',
    'model_inference_success_total',
    'model_inference_failure_total',
    'model_inference_latency_seconds',
    'model_output_tokens_total',
    'dcgm_gpu_utilization',
    'dcgm_memory_used_bytes',
    'pg_stat_activity_count',
    'pg_stat_statements_total_time',
    'redis_connected_clients',
    'redis_keyspace_hits_total',
    'redis_keyspace_misses_total',
    'api_key_expiry_timestamp_seconds',
    'api_key_expiry_days',
    'http_server_requests_total',
    'http_server_request_duration_seconds',
    'model_time_to_first_token_seconds',
    'model_inter_token_latency_seconds',
    'model_input_tokens_total',
    'model_queue_time_seconds',
    'rate_limit_rejections_total',
    'cache_hits_total',
    'cache_misses_total',
    'opsight_telemetry_spans_dropped_total',
    'opsight_telemetry_log_write_failures_total',
  ]) {
    assert.ok(names.has(name), `missing ${name}`);
  }
});

test('names are unique, valid, and follow Prometheus naming', () => {
  const seen = new Set<string>();
  for (const m of METRICS) {
    assert.ok(!seen.has(m.name), `duplicate ${m.name}`);
    seen.add(m.name);
    assert.match(m.name, NAME);
    assert.ok(m.help.length > 0, `${m.name} has no help`);
    if (m.type === 'counter')
      assert.ok(m.name.endsWith('_total') || m.unit === 'bytes' || m.unit === 'seconds', m.name);
    for (const label of m.labels) {
      assert.match(label, LABEL);
      assert.ok(!label.startsWith('__'), `${m.name}: reserved label ${label}`);
      assert.ok(label !== 'le' && label !== 'quantile', `${m.name}: reserved label ${label}`);
    }
    assert.equal(new Set(m.labels).size, m.labels.length, `${m.name}: duplicate label`);
  }
});

test('histograms have strictly increasing buckets; other types have none', () => {
  for (const m of METRICS) {
    if (m.type !== 'histogram') {
      assert.equal(m.buckets, undefined, m.name);
      continue;
    }
    assert.ok(m.buckets && m.buckets.length > 0, `${m.name} has no buckets`);
    for (let i = 1; i < m.buckets.length; i++) assert.ok(m.buckets[i]! > m.buckets[i - 1]!, m.name);
  }
});

test('high-cardinality identifiers are never labels, except the key expiry gauge', () => {
  for (const m of METRICS) {
    for (const label of m.labels) {
      assert.ok(!['user_id', 'request_id', 'trace_id', 'span_id'].includes(label), `${m.name}: ${label}`);
      if (label === 'key_id') assert.ok(m.name.startsWith('api_key_expiry'), m.name);
    }
  }
});

test('go-grpc-prometheus label sets', () => {
  const byName = new Map(METRICS.map((m) => [m.name, m]));
  assert.deepEqual(byName.get('grpc_server_handled_total')?.labels, [
    'grpc_type',
    'grpc_service',
    'grpc_method',
    'grpc_code',
  ]);
  for (const name of [
    'grpc_server_started_total',
    'grpc_server_handling_seconds',
    'grpc_server_msg_received_total',
    'grpc_server_msg_sent_total',
  ]) {
    assert.deepEqual(byName.get(name)?.labels, ['grpc_type', 'grpc_service', 'grpc_method'], name);
  }
});

test('LLM latency buckets reach minutes', () => {
  const latency = METRICS.find((m) => m.name === 'model_inference_latency_seconds');
  assert.ok((latency?.buckets?.at(-1) ?? 0) >= 120);
});
