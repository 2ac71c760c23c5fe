import {
  grpcServerHandledTotal,
  grpcServerHandlingSeconds,
  httpServerRequestDurationSeconds,
  httpServerRequestsTotal,
  modelInferenceFailureTotal,
  modelInferenceSuccessTotal,
  modelOutputTokensTotal,
  modelTimeToFirstTokenSeconds,
  nginxHttpRequestsTotal,
} from '@opsight/catalog';
import type { RuleGroup } from '../rule.js';
import { GRPC_SERVER_ERROR_CODES } from '../settings.js';

const by = 'namespace, job, instance';
const nginx = nginxHttpRequestsTotal.name;
const http = httpServerRequestsTotal.name;
const grpc = grpcServerHandledTotal.name;
const success = modelInferenceSuccessTotal.name;
const failure = modelInferenceFailureTotal.name;
/** Successes and failures together: the denominator exists even when one of the two has no series yet. */
const inferences = `{__name__=~"${success}|${failure}"}`;
const grpcErrors = `grpc_code=~"${GRPC_SERVER_ERROR_CODES.join('|')}"`;
const router = 'grpc_type="unary",grpc_service="opsight.router.v1.ModelRouter",grpc_method="Infer"';

/** Errors and latency per scraped instance (what HighErrorRate, HighLatency and their inhibitions use). */
export const services: RuleGroup = {
  name: 'service-signals',
  expectAtMinutes: 10,
  input: [
    { series: `${nginx}{job="gateway-telemetry",instance="gw",status="200"}`, values: '0+45x10' },
    { series: `${nginx}{job="gateway-telemetry",instance="gw",status="503"}`, values: '0+15x10' },
    { series: `${http}{job="api-service",instance="api",status_class="2xx"}`, values: '0+54x10' },
    { series: `${http}{job="api-service",instance="api",status_class="5xx"}`, values: '0+6x10' },
    {
      series: `${httpServerRequestDurationSeconds.name}_bucket{job="api-service",instance="api",le="0.5"}`,
      values: '0+60x10',
    },
    {
      series: `${httpServerRequestDurationSeconds.name}_bucket{job="api-service",instance="api",le="+Inf"}`,
      values: '0+60x10',
    },
    { series: `${grpc}{job="model-router",instance="mr",${router},grpc_code="OK"}`, values: '0+57x10' },
    { series: `${grpc}{job="model-router",instance="mr",${router},grpc_code="Internal"}`, values: '0+3x10' },
    {
      series: `${grpc}{job="model-router",instance="mr",${router},grpc_code="InvalidArgument"}`,
      values: '0+60x10',
    },
    {
      series: `${grpcServerHandlingSeconds.name}_bucket{job="model-router",instance="mr",${router},le="1"}`,
      values: '0+0x10',
    },
    {
      series: `${grpcServerHandlingSeconds.name}_bucket{job="model-router",instance="mr",${router},le="2.5"}`,
      values: '0+60x10',
    },
    {
      series: `${grpcServerHandlingSeconds.name}_bucket{job="model-router",instance="mr",${router},le="+Inf"}`,
      values: '0+60x10',
    },
    { series: `${success}{job="model-serving",instance="ms",model_name="sim-small"}`, values: '0+45x10' },
    {
      series: `${failure}{job="model-serving",instance="ms",model_name="sim-small",reason="timeout"}`,
      values: '0+15x10',
    },
    {
      series: `${modelOutputTokensTotal.name}{job="model-serving",model_name="sim-small"}`,
      values: '0+600x10',
    },
    {
      series: `${modelTimeToFirstTokenSeconds.name}_bucket{job="model-serving",model_name="sim-small",le="0.5"}`,
      values: '0+60x10',
    },
    {
      series: `${modelTimeToFirstTokenSeconds.name}_bucket{job="model-serving",model_name="sim-small",le="+Inf"}`,
      values: '0+60x10',
    },
  ],
  recording: [
    {
      record: 'job_instance:nginx_http_requests_5xx:ratio_rate1m',
      comment: 'Gateway 5xx ratio per gateway instance.',
      expr: `sum by (${by}) (rate(${nginx}{status=~"5.."}[1m])) / sum by (${by}) (rate(${nginx}[1m]))`,
      expect: [{ labels: { job: 'gateway-telemetry', instance: 'gw' }, value: 0.25 }],
    },
    {
      record: 'job_instance:http_server_requests_5xx:ratio_rate1m',
      comment: 'HTTP 5xx ratio per service instance.',
      expr: `sum by (${by}) (rate(${http}{status_class="5xx"}[1m])) / sum by (${by}) (rate(${http}[1m]))`,
      expect: [{ labels: { job: 'api-service', instance: 'api' }, value: 0.1 }],
    },
    {
      record: 'job_instance:grpc_server_handled_errors:ratio_rate1m',
      comment: `gRPC server errors (${GRPC_SERVER_ERROR_CODES.join(', ')}) over all RPCs, per instance.`,
      expr: `sum by (${by}) (rate(${grpc}{${grpcErrors}}[1m])) / sum by (${by}) (rate(${grpc}[1m]))`,
      expect: [{ labels: { job: 'model-router', instance: 'mr' }, value: 0.025 }],
    },
    {
      record: 'job_instance:model_inference_failure:ratio_rate1m',
      comment: 'Failed inferences over all inferences, per model-serving instance.',
      expr: `sum by (${by}) (rate(${failure}[1m])) / sum by (${by}) (rate(${inferences}[1m]))`,
      expect: [{ labels: { job: 'model-serving', instance: 'ms' }, value: 0.25 }],
    },
    {
      record: 'job_instance:http_server_request_duration_seconds:p99_rate5m',
      comment: 'HTTP p99 per service instance.',
      expr: `histogram_quantile(0.99, sum by (${by}, le) (rate(${httpServerRequestDurationSeconds.name}_bucket[5m])))`,
      expect: [{ labels: { job: 'api-service', instance: 'api' }, value: 0.495 }],
    },
    {
      record: 'job_instance:grpc_server_handling_seconds:p99_rate5m',
      comment: 'gRPC p99 per service instance.',
      expr: `histogram_quantile(0.99, sum by (${by}, le) (rate(${grpcServerHandlingSeconds.name}_bucket[5m])))`,
      expect: [{ labels: { job: 'model-router', instance: 'mr' }, value: 2.485 }],
    },
    {
      record: 'model_name_reason:model_inference_failure:ratio_rate5m',
      comment: 'Failures of one reason over all inferences of the model.',
      expr: `sum by (model_name, reason) (rate(${failure}[5m])) / on (model_name) group_left sum by (model_name) (rate(${inferences}[5m]))`,
      expect: [{ labels: { model_name: 'sim-small', reason: 'timeout' }, value: 0.25 }],
    },
    {
      record: 'model_name:model_output_tokens:rate5m',
      comment:
        'Tokens per second per model over 5 minutes (the throughput-collapse alert compares it with an hour ago).',
      expr: `sum by (model_name) (rate(${modelOutputTokensTotal.name}[5m]))`,
      expect: [{ labels: { model_name: 'sim-small' }, value: 10 }],
    },
    {
      record: 'model_name:model_time_to_first_token_seconds:p90_rate5m',
      comment: 'Time to first token, p90 per model.',
      expr: `histogram_quantile(0.90, sum by (model_name, le) (rate(${modelTimeToFirstTokenSeconds.name}_bucket[5m])))`,
      expect: [{ labels: { model_name: 'sim-small' }, value: 0.45 }],
    },
  ],
};
