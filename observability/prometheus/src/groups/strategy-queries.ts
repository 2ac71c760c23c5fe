import {
  containerCpuUsageSecondsTotal,
  containerMemoryWorkingSetBytes,
  grpcServerHandledTotal,
  grpcServerHandlingSeconds,
  kubePodContainerResourceLimits,
  kubePodContainerStatusRestartsTotal,
  modelInferenceFailureTotal,
  modelInferenceLatencySeconds,
  modelInferenceSuccessTotal,
  modelOutputTokensTotal,
  nginxHttpRequestDurationSeconds,
  nginxHttpRequestSizeBytes,
  nginxHttpRequestsTotal,
  nginxHttpResponseSizeBytes,
  pgStatActivityCount,
  redisConnectedClients,
  redisKeyspaceHitsTotal,
  redisKeyspaceMissesTotal,
} from '@opsight/catalog';
import type { RuleGroup } from '../rule.js';

const requests = nginxHttpRequestsTotal.name;
const hits = redisKeyspaceHitsTotal.name;
const misses = redisKeyspaceMissesTotal.name;
const pod = { namespace: 'platform', pod: 'model-router-0', container: 'model-router' };

/**
 * Strategy 1.2 a) and b) (docs/architecture.md): every query exactly as written there, recorded under a
 * `level:metric:operation` name (`cluster:` where the query sums everything away).
 */
export const gatewayAndServices: RuleGroup = {
  name: 'strategy-gateway-and-services',
  expectAtMinutes: 10,
  input: [
    { series: `${requests}{job="gateway-telemetry",host="api",status="200"}`, values: '0+45x10' },
    { series: `${requests}{job="gateway-telemetry",host="api",status="502"}`, values: '0+15x10' },
    { series: `${nginxHttpRequestDurationSeconds.name}_bucket{host="api",le="0.5"}`, values: '0+30x10' },
    { series: `${nginxHttpRequestDurationSeconds.name}_bucket{host="api",le="1"}`, values: '0+30x10' },
    { series: `${nginxHttpRequestDurationSeconds.name}_bucket{host="api",le="2.5"}`, values: '0+60x10' },
    { series: `${nginxHttpRequestDurationSeconds.name}_bucket{host="api",le="+Inf"}`, values: '0+60x10' },
    { series: `${nginxHttpRequestSizeBytes.name}{host="api"}`, values: '0+600x10' },
    { series: `${nginxHttpResponseSizeBytes.name}{host="api"}`, values: '0+1200x10' },
    {
      series: `${grpcServerHandledTotal.name}{grpc_type="unary",grpc_service="opsight.router.v1.ModelRouter",grpc_method="Infer",grpc_code="OK"}`,
      values: '0+120x10',
    },
    {
      series: `${grpcServerHandlingSeconds.name}_bucket{grpc_type="unary",grpc_service="opsight.router.v1.ModelRouter",grpc_method="Infer",le="0.1"}`,
      values: '0+60x10',
    },
    {
      series: `${grpcServerHandlingSeconds.name}_bucket{grpc_type="unary",grpc_service="opsight.router.v1.ModelRouter",grpc_method="Infer",le="+Inf"}`,
      values: '0+60x10',
    },
    { series: `${containerCpuUsageSecondsTotal.name}{${labels(pod)},id="/x"}`, values: '0+30x10' },
    { series: `${containerMemoryWorkingSetBytes.name}{${labels(pod)},id="/x"}`, values: '1000+0x10' },
    {
      series: `${kubePodContainerResourceLimits.name}{${labels(pod)},resource="cpu",unit="core"}`,
      values: '1+0x10',
    },
    {
      series: `${kubePodContainerResourceLimits.name}{${labels(pod)},resource="memory",unit="byte"}`,
      values: '4000+0x10',
    },
    {
      series: `${kubePodContainerStatusRestartsTotal.name}{${labels(pod)}}`,
      values: '0 0 0 0 0 1 1 1 1 2 2',
    },
  ],
  recording: [
    {
      record: 'cluster:nginx_http_requests:rate1m',
      comment: 'Strategy 1.2 a): request rate (QPS).',
      expr: `sum(rate(${requests}[1m]))`,
      expect: [{ labels: {}, value: 1 }],
    },
    {
      record: 'cluster:nginx_http_request_duration_seconds:p99_rate5m',
      comment: 'Strategy 1.2 a): p99 latency.',
      expr: `histogram_quantile(0.99, sum(rate(${nginxHttpRequestDurationSeconds.name}_bucket[5m])) by (le))`,
      expect: [{ labels: {}, value: 2.47 }],
    },
    {
      record: 'cluster:nginx_http_requests_5xx:ratio_rate1m',
      comment: 'Strategy 1.2 a): 5xx error ratio.',
      expr: `sum(rate(${requests}{status=~"5.."}[1m])) / sum(rate(${requests}[1m]))`,
      expect: [{ labels: {}, value: 0.25 }],
    },
    {
      record: 'cluster:nginx_http_request_size_bytes:rate1m',
      comment: 'Strategy 1.2 a): inbound traffic, bytes per second.',
      expr: `sum(rate(${nginxHttpRequestSizeBytes.name}[1m]))`,
      expect: [{ labels: {}, value: 10 }],
    },
    {
      record: 'cluster:nginx_http_response_size_bytes:rate1m',
      comment: 'Strategy 1.2 a): outbound traffic, bytes per second.',
      expr: `sum(rate(${nginxHttpResponseSizeBytes.name}[1m]))`,
      expect: [{ labels: {}, value: 20 }],
    },
    {
      record: 'grpc_service_grpc_method:grpc_server_handled:rate1m',
      comment: 'Strategy 1.2 b): gRPC request rate by service and method.',
      expr: `sum(rate(${grpcServerHandledTotal.name}[1m])) by (grpc_service, grpc_method)`,
      expect: [{ labels: { grpc_service: 'opsight.router.v1.ModelRouter', grpc_method: 'Infer' }, value: 2 }],
    },
    {
      record: 'grpc_method:grpc_server_handling_seconds:p95_rate5m',
      comment: 'Strategy 1.2 b): gRPC p95 latency by method.',
      expr: `histogram_quantile(0.95, sum(rate(${grpcServerHandlingSeconds.name}_bucket[5m])) by (le, grpc_method))`,
      expect: [{ labels: { grpc_method: 'Infer' }, value: 0.095 }],
    },
    {
      record: 'namespace_pod_container:container_cpu_usage_seconds:rate5m',
      comment: 'Strategy 1.2 b): CPU in cores (container_cpu_usage_seconds_total).',
      expr: `sum by (namespace, pod, container) (rate(${containerCpuUsageSecondsTotal.name}[5m]))`,
      expect: [{ labels: pod, value: 0.5 }],
    },
    {
      record: 'namespace_pod_container:container_memory_working_set_bytes:max',
      comment: 'Strategy 1.2 b): memory (container_memory_working_set_bytes), one series per container.',
      expr: `max by (namespace, pod, container) (${containerMemoryWorkingSetBytes.name})`,
      expect: [{ labels: pod, value: 1000 }],
    },
    {
      record: 'namespace_pod_container:container_cpu_usage:ratio_limit',
      comment: "CPU over the container's CPU limit (strategy 1.3, resources).",
      expr: `namespace_pod_container:container_cpu_usage_seconds:rate5m / on (namespace, pod, container) max by (namespace, pod, container) (${kubePodContainerResourceLimits.name}{resource="cpu"})`,
      expect: [{ labels: pod, value: 0.5 }],
    },
    {
      record: 'namespace_pod_container:container_memory_working_set:ratio_limit',
      comment: "Working set over the container's memory limit (strategy 1.3, resources).",
      expr: `namespace_pod_container:container_memory_working_set_bytes:max / on (namespace, pod, container) max by (namespace, pod, container) (${kubePodContainerResourceLimits.name}{resource="memory"})`,
      expect: [{ labels: pod, value: 0.25 }],
    },
    {
      record: 'namespace_pod_container:kube_pod_container_status_restarts:increase1h',
      comment: 'Strategy 1.2 b): pod restarts (kube_pod_container_status_restarts_total) over the last hour.',
      expr: `sum by (namespace, pod, container) (increase(${kubePodContainerStatusRestartsTotal.name}[1h]))`,
      expect: [{ labels: pod, value: 2 }],
    },
  ],
};

/** Strategy 1.2 c) and d): model serving, databases and cache, exactly as written. */
export const modelServingAndData: RuleGroup = {
  name: 'strategy-model-serving-and-data',
  expectAtMinutes: 10,
  input: [
    { series: `${modelInferenceSuccessTotal.name}{model_name="sim-small"}`, values: '0+180x10' },
    {
      series: `${modelInferenceFailureTotal.name}{model_name="sim-small",reason="timeout"}`,
      values: '0+6x10',
    },
    {
      series: `${modelInferenceLatencySeconds.name}_bucket{model_name="sim-small",le="1"}`,
      values: '0+0x10',
    },
    {
      series: `${modelInferenceLatencySeconds.name}_bucket{model_name="sim-small",le="2"}`,
      values: '0+60x10',
    },
    {
      series: `${modelInferenceLatencySeconds.name}_bucket{model_name="sim-small",le="+Inf"}`,
      values: '0+60x10',
    },
    { series: `${modelOutputTokensTotal.name}{model_name="sim-small"}`, values: '0+3000x10' },
    {
      series: `${pgStatActivityCount.name}{instance="pg",datname="opsight",state="active"}`,
      values: '3+0x10',
    },
    { series: `${pgStatActivityCount.name}{instance="pg",datname="opsight",state="idle"}`, values: '5+0x10' },
    { series: `${redisConnectedClients.name}{instance="redis"}`, values: '7+0x10' },
    { series: `${hits}{instance="redis"}`, values: '0+30x10' },
    { series: `${misses}{instance="redis"}`, values: '0+10x10' },
  ],
  recording: [
    {
      record: 'model_name:model_inference_success:rate1m',
      comment: 'Strategy 1.2 c): successful inferences per second.',
      expr: `sum(rate(${modelInferenceSuccessTotal.name}[1m])) by (model_name)`,
      expect: [{ labels: { model_name: 'sim-small' }, value: 3 }],
    },
    {
      record: 'model_name_reason:model_inference_failure:rate1m',
      comment: 'Strategy 1.2 c): failed inferences per second, by reason.',
      expr: `sum(rate(${modelInferenceFailureTotal.name}[1m])) by (model_name, reason)`,
      expect: [{ labels: { model_name: 'sim-small', reason: 'timeout' }, value: 0.1 }],
    },
    {
      record: 'model_name:model_inference_latency_seconds:p90_rate5m',
      comment: 'Strategy 1.2 c): end-to-end inference p90.',
      expr: `histogram_quantile(0.90, sum(rate(${modelInferenceLatencySeconds.name}_bucket[5m])) by (le, model_name))`,
      expect: [{ labels: { model_name: 'sim-small' }, value: 1.9 }],
    },
    {
      record: 'model_name:model_output_tokens:rate1m',
      comment: 'Strategy 1.2 c): tokens per second.',
      expr: `sum(rate(${modelOutputTokensTotal.name}[1m])) by (model_name)`,
      expect: [{ labels: { model_name: 'sim-small' }, value: 50 }],
    },
    {
      record: 'instance:pg_stat_activity_count:sum',
      comment: 'Strategy 1.2 d): PostgreSQL connections (pg_stat_activity_count) per server.',
      expr: `sum by (namespace, job, instance) (${pgStatActivityCount.name})`,
      expect: [{ labels: { instance: 'pg' }, value: 8 }],
    },
    {
      record: 'instance:redis_connected_clients:sum',
      comment: 'Strategy 1.2 d): Redis connections (redis_connected_clients) per server.',
      expr: `sum by (namespace, job, instance) (${redisConnectedClients.name})`,
      expect: [{ labels: { instance: 'redis' }, value: 7 }],
    },
    {
      record: 'instance:redis_keyspace_hit:ratio',
      comment: 'Strategy 1.2 d): cache hit ratio since the server started, exactly as written.',
      expr: `${hits} / (${hits} + ${misses})`,
      expect: [{ labels: { instance: 'redis' }, value: 0.75 }],
    },
    {
      record: 'instance:redis_keyspace_hit:ratio_rate5m',
      comment: 'Cache hit ratio over the last 5 minutes (what the hit-rate alert watches).',
      expr: `sum by (namespace, job, instance) (rate(${hits}[5m])) / (sum by (namespace, job, instance) (rate(${hits}[5m])) + sum by (namespace, job, instance) (rate(${misses}[5m])))`,
      expect: [{ labels: { instance: 'redis' }, value: 0.75 }],
    },
  ],
};

/** `a="b",c="d"` from a label object, for test series. */
export function labels(set: Readonly<Record<string, string>>): string {
  return Object.entries(set)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
}
