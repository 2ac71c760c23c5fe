import {
  apiKeyExpiryDays,
  apiKeyExpiryTimestampSeconds,
  containerCpuUsageSecondsTotal,
  containerMemoryWorkingSetBytes,
  grpcServerHandledTotal,
  grpcServerHandlingSeconds,
  httpServerRequestDurationSeconds,
  httpServerRequestsTotal,
  kubePodContainerResourceLimits,
  modelInferenceFailureTotal,
  modelInferenceSuccessTotal,
  nginxHttpRequestDurationSeconds,
  nginxHttpRequestsTotal,
  pgReplicationLagSeconds,
  pgReplicationStandbyReplayLagSeconds,
  up,
} from '@opsight/catalog';
import type { AlertRule, RuleGroup, TestSeries } from '../rule.js';
import { FOR_MINUTES, THRESHOLDS } from '../settings.js';

const T = THRESHOLDS;
const inst = { job: 'svc', instance: 'i' };
const sel = 'job="svc",instance="i"';
const s = (series: string, values: string): TestSeries => ({ series, values });
const pct = (ratio: number) => `${ratio * 100}%`;

/** Two-bucket histogram input: `slow` of 60 requests a minute above 1 s, the rest under 0.5 s. */
function histogram(name: string, labels: string, slow: number): TestSeries[] {
  return [
    s(`${name}_bucket{${labels},le="0.5"}`, `0+${60 - slow}x20`),
    s(`${name}_bucket{${labels},le="1"}`, `0+${60 - slow}x20`),
    s(`${name}_bucket{${labels},le="2.5"}`, '0+60x20'),
    s(`${name}_bucket{${labels},le="+Inf"}`, '0+60x20'),
  ];
}

const latencyDescription = `p99 latency of {{ $labels.job }} ({{ $labels.instance }}) is {{ $value | humanize }}s over 5 minutes, above ${T.latencyP99Seconds}s.`;
const errorDescription = `{{ $value | humanizePercentage }} of requests to {{ $labels.job }} ({{ $labels.instance }}) failed over the last minute, above ${pct(T.errorRatio)}.`;

const errorRate = (
  expr: string,
  firing: TestSeries[],
  healthy: TestSeries[],
  valueText: string,
): AlertRule => ({
  alert: 'HighErrorRate',
  expr: `${expr} > ${T.errorRatio}`,
  forMinutes: FOR_MINUTES.errorRate,
  severity: 'page',
  summary: '{{ $labels.job }} is failing requests',
  description: errorDescription,
  fixture: { firing, healthy, trueFromMinutes: 1, labels: inst, valueText },
});

/** Strategy 1.3 (docs/architecture.md), the six alerts (some have one rule per signal, under one name). */
export const strategyAlerts: RuleGroup = {
  name: 'strategy-alerts',
  alerts: [
    {
      alert: 'ServiceDown',
      expr: `${up.name} == 0`,
      forMinutes: FOR_MINUTES.serviceDown,
      severity: 'page',
      summary: '{{ $labels.job }} instance {{ $labels.instance }} is down',
      description:
        'Prometheus cannot scrape {{ $labels.instance }} of job {{ $labels.job }} (up = {{ $value }}): the process is down or not answering.',
      fixture: {
        firing: [s(`${up.name}{${sel}}`, '1 1 0 0 0 0 0 0')],
        healthy: [s(`${up.name}{${sel}}`, '1+0x7')],
        trueFromMinutes: 2,
        labels: inst,
        valueText: '0',
      },
    },
    {
      alert: 'HighLatency',
      expr: `cluster:nginx_http_request_duration_seconds:p99_rate5m > ${T.latencyP99Seconds}`,
      forMinutes: FOR_MINUTES.latency,
      severity: 'page',
      labels: { service: 'gateway' },
      summary: 'The gateway is slow',
      description: `p99 latency through the gateway is {{ $value | humanize }}s over 5 minutes, above ${T.latencyP99Seconds}s.`,
      fixture: {
        firing: histogram(nginxHttpRequestDurationSeconds.name, 'host="api"', 60),
        healthy: histogram(nginxHttpRequestDurationSeconds.name, 'host="api"', 0),
        trueFromMinutes: 1,
        labels: {},
        valueText: '2.485',
      },
    },
    {
      alert: 'HighLatency',
      expr: `job_instance:http_server_request_duration_seconds:p99_rate5m > ${T.latencyP99Seconds}`,
      forMinutes: FOR_MINUTES.latency,
      severity: 'page',
      summary: '{{ $labels.job }} is slow',
      description: latencyDescription,
      fixture: {
        firing: histogram(httpServerRequestDurationSeconds.name, sel, 60),
        healthy: histogram(httpServerRequestDurationSeconds.name, sel, 0),
        trueFromMinutes: 1,
        labels: inst,
        valueText: '2.485',
      },
    },
    {
      alert: 'HighLatency',
      expr: `job_instance:grpc_server_handling_seconds:p99_rate5m > ${T.latencyP99Seconds}`,
      forMinutes: FOR_MINUTES.latency,
      severity: 'page',
      summary: '{{ $labels.job }} is slow',
      description: latencyDescription,
      fixture: {
        firing: histogram(grpcServerHandlingSeconds.name, sel, 60),
        healthy: histogram(grpcServerHandlingSeconds.name, sel, 0),
        trueFromMinutes: 1,
        labels: inst,
        valueText: '2.485',
      },
    },
    errorRate(
      'job_instance:nginx_http_requests_5xx:ratio_rate1m',
      [
        s(`${nginxHttpRequestsTotal.name}{${sel},status="200"}`, '0+54x20'),
        s(`${nginxHttpRequestsTotal.name}{${sel},status="502"}`, '0+6x20'),
      ],
      [
        s(`${nginxHttpRequestsTotal.name}{${sel},status="200"}`, '0+59x20'),
        s(`${nginxHttpRequestsTotal.name}{${sel},status="502"}`, '0+1x20'),
      ],
      '10%',
    ),
    errorRate(
      'job_instance:http_server_requests_5xx:ratio_rate1m',
      [
        s(`${httpServerRequestsTotal.name}{${sel},status_class="2xx"}`, '0+54x20'),
        s(`${httpServerRequestsTotal.name}{${sel},status_class="5xx"}`, '0+6x20'),
      ],
      [
        s(`${httpServerRequestsTotal.name}{${sel},status_class="2xx"}`, '0+59x20'),
        s(`${httpServerRequestsTotal.name}{${sel},status_class="5xx"}`, '0+1x20'),
      ],
      '10%',
    ),
    errorRate(
      'job_instance:grpc_server_handled_errors:ratio_rate1m',
      [
        s(`${grpcServerHandledTotal.name}{${sel},grpc_code="OK"}`, '0+54x20'),
        s(`${grpcServerHandledTotal.name}{${sel},grpc_code="Unavailable"}`, '0+6x20'),
      ],
      [
        s(`${grpcServerHandledTotal.name}{${sel},grpc_code="OK"}`, '0+54x20'),
        s(`${grpcServerHandledTotal.name}{${sel},grpc_code="InvalidArgument"}`, '0+6x20'),
      ],
      '10%',
    ),
    errorRate(
      'job_instance:model_inference_failure:ratio_rate1m',
      [
        s(`${modelInferenceSuccessTotal.name}{${sel},model_name="m"}`, '0+54x20'),
        s(`${modelInferenceFailureTotal.name}{${sel},model_name="m",reason="timeout"}`, '0+6x20'),
      ],
      [s(`${modelInferenceSuccessTotal.name}{${sel},model_name="m"}`, '0+60x20')],
      '10%',
    ),
    {
      alert: 'ContainerCpuNearLimit',
      expr: `namespace_pod_container:container_cpu_usage:ratio_limit > ${T.resourceLimitRatio}`,
      forMinutes: FOR_MINUTES.resource,
      severity: 'ticket',
      summary: '{{ $labels.pod }}/{{ $labels.container }} uses most of its CPU limit',
      description: `{{ $labels.container }} in {{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its CPU limit over 5 minutes, above ${pct(T.resourceLimitRatio)}: it is being throttled.`,
      fixture: {
        firing: [
          s(`${containerCpuUsageSecondsTotal.name}{namespace="ns",pod="p-0",container="c"}`, '0+57x20'),
          s(
            `${kubePodContainerResourceLimits.name}{namespace="ns",pod="p-0",container="c",resource="cpu",unit="core"}`,
            '1+0x20',
          ),
        ],
        healthy: [
          s(`${containerCpuUsageSecondsTotal.name}{namespace="ns",pod="p-0",container="c"}`, '0+30x20'),
          s(
            `${kubePodContainerResourceLimits.name}{namespace="ns",pod="p-0",container="c",resource="cpu",unit="core"}`,
            '1+0x20',
          ),
        ],
        // rate(...[5m]) reaches the full rate once five minutes of samples exist.
        trueFromMinutes: 5,
        labels: { namespace: 'ns', pod: 'p-0', container: 'c' },
        valueText: '95%',
      },
    },
    {
      alert: 'ContainerMemoryNearLimit',
      expr: `namespace_pod_container:container_memory_working_set:ratio_limit > ${T.resourceLimitRatio}`,
      forMinutes: FOR_MINUTES.resource,
      severity: 'ticket',
      summary: '{{ $labels.pod }}/{{ $labels.container }} is close to its memory limit',
      description: `{{ $labels.container }} in {{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit, above ${pct(T.resourceLimitRatio)}: it will be OOM-killed if it keeps growing.`,
      fixture: {
        firing: [
          s(
            `${containerMemoryWorkingSetBytes.name}{namespace="ns",pod="p-0",container="c"}`,
            '500 500 950+0x20',
          ),
          s(
            `${kubePodContainerResourceLimits.name}{namespace="ns",pod="p-0",container="c",resource="memory",unit="byte"}`,
            '1000+0x20',
          ),
        ],
        healthy: [
          s(`${containerMemoryWorkingSetBytes.name}{namespace="ns",pod="p-0",container="c"}`, '500+10x20'),
          s(
            `${kubePodContainerResourceLimits.name}{namespace="ns",pod="p-0",container="c",resource="memory",unit="byte"}`,
            '1000+0x20',
          ),
        ],
        trueFromMinutes: 2,
        labels: { namespace: 'ns', pod: 'p-0', container: 'c' },
        valueText: '95%',
      },
    },
    {
      alert: 'PostgresReplicationLag',
      expr: `${pgReplicationLagSeconds.name} > ${T.replicationLagSeconds}`,
      forMinutes: FOR_MINUTES.replicationLag,
      severity: 'page',
      labels: { service: 'postgres' },
      summary: 'Replica {{ $labels.application_name }} lags behind the primary',
      description: `Standby {{ $labels.application_name }} replays WAL {{ $value | humanizeDuration }} behind the primary ({{ $labels.instance }}), more than ${T.replicationLagSeconds}s: reads from it are stale.`,
      fixture: {
        firing: [
          s(
            `${pgReplicationStandbyReplayLagSeconds.name}{instance="pg",application_name="replica"}`,
            '0 30 61 91 121 151 181',
          ),
        ],
        healthy: [
          s(
            `${pgReplicationStandbyReplayLagSeconds.name}{instance="pg",application_name="replica"}`,
            '0 30 59 0 0 0 0',
          ),
        ],
        trueFromMinutes: 2,
        labels: { instance: 'pg', application_name: 'replica' },
        valueText: '2m 1s',
      },
    },
    {
      alert: 'ApiKeyExpiringSoon',
      expr: `${apiKeyExpiryDays.name} < ${T.apiKeyExpiryDays}`,
      forMinutes: FOR_MINUTES.apiKeyExpiry,
      severity: 'ticket',
      labels: { service: 'api-service' },
      summary: 'API key {{ $labels.key_id }} expires in less than a week',
      description: `API key {{ $labels.key_id }} expires in {{ $value | humanize }} days (less than ${T.apiKeyExpiryDays}): rotate it or extend it before clients start getting 401.`,
      fixture: {
        // Three days from t = 0.
        firing: [s(`${apiKeyExpiryTimestampSeconds.name}{key_id="k1"}`, '259200+0x10')],
        healthy: [s(`${apiKeyExpiryTimestampSeconds.name}{key_id="k1"}`, '8640000+0x10')],
        trueFromMinutes: 0,
        labels: { key_id: 'k1' },
        valueText: '2.997',
      },
    },
  ],
};
