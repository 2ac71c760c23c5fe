import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { allAlerts, RULE_FILES } from '../src/rule-files.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const recordings = RULE_FILES.flatMap((f) => f.groups.flatMap((g) => g.recording ?? []));

test('every query of strategy section 1.2 is recorded exactly as written', () => {
  const exprs = new Set(recordings.map((r) => r.expr));
  for (const query of [
    'sum(rate(nginx_http_requests_total[1m]))',
    'histogram_quantile(0.99, sum(rate(nginx_http_request_duration_seconds_bucket[5m])) by (le))',
    'sum(rate(nginx_http_requests_total{status=~"5.."}[1m])) / sum(rate(nginx_http_requests_total[1m]))',
    'sum(rate(nginx_http_request_size_bytes[1m]))',
    'sum(rate(nginx_http_response_size_bytes[1m]))',
    'sum(rate(grpc_server_handled_total[1m])) by (grpc_service, grpc_method)',
    'histogram_quantile(0.95, sum(rate(grpc_server_handling_seconds_bucket[5m])) by (le, grpc_method))',
    'sum(rate(model_inference_success_total[1m])) by (model_name)',
    'sum(rate(model_inference_failure_total[1m])) by (model_name, reason)',
    'histogram_quantile(0.90, sum(rate(model_inference_latency_seconds_bucket[5m])) by (le, model_name))',
    'sum(rate(model_output_tokens_total[1m])) by (model_name)',
    'redis_keyspace_hits_total / (redis_keyspace_hits_total + redis_keyspace_misses_total)',
  ]) {
    assert.ok(exprs.has(query), `not recorded as written: ${query}`);
  }
});

test('the mapped names of docs/architecture.md are recorded', () => {
  const names = new Set(recordings.map((r) => r.record));
  for (const name of [
    'dcgm_gpu_utilization',
    'dcgm_memory_used_bytes',
    'pg_stat_statements_total_time',
    'pg_replication_lag_seconds',
    'api_key_expiry_days',
  ]) {
    assert.ok(names.has(name), name);
  }
});

test('other recorded names follow level:metric:operation and every recording rule has expected samples', () => {
  const mapped = new Set(['dcgm_gpu_utilization', 'dcgm_memory_used_bytes', 'pg_stat_statements_total_time']);
  for (const r of recordings) {
    if (!mapped.has(r.record) && !['pg_replication_lag_seconds', 'api_key_expiry_days'].includes(r.record)) {
      assert.match(r.record, /^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/, r.record);
    }
    assert.ok(r.expect.length > 0, `${r.record} has no expected samples`);
  }
});

test('SLO burn rates exist for every window and SLO', () => {
  for (const w of ['5m', '30m', '1h', '2h', '6h', '1d', '3d']) {
    assert.ok(
      recordings.some((r) => r.record === `slo:burn_rate:ratio_rate${w}`),
      w,
    );
  }
  assert.ok(recordings.some((r) => r.record === 'slo:error_budget:remaining_ratio30d'));
});

test('every alert has a severity, a summary, a description with its value, a runbook page and a for:', () => {
  const alerts = allAlerts();
  for (const a of [
    'ServiceDown',
    'HighLatency',
    'HighErrorRate',
    'ContainerCpuNearLimit',
    'ContainerMemoryNearLimit',
    'PostgresReplicationLag',
    'ApiKeyExpiringSoon',
    'SLOErrorBudgetBurn',
  ]) {
    assert.ok(
      alerts.some((r) => r.alert === a),
      `missing ${a}`,
    );
  }
  for (const rule of alerts) {
    assert.ok(['page', 'ticket'].includes(rule.severity), rule.alert);
    assert.ok(rule.summary.length > 0, rule.alert);
    assert.match(rule.description, /\{\{ \$value/, `${rule.alert}: description without the current value`);
    assert.ok(rule.forMinutes >= 1, `${rule.alert}: for: under a minute`);
    assert.ok(
      existsSync(join(root, 'observability/runbooks', `${rule.alert}.md`)),
      `${rule.alert}: no runbook page`,
    );
  }
});
