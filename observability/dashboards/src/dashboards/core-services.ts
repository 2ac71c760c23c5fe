import {
  containerCpuUsageSecondsTotal,
  containerMemoryWorkingSetBytes,
  grpcServerHandledTotal,
  grpcServerHandlingSeconds,
  httpServerRequestsTotal,
  kubePodContainerResourceLimits,
  kubePodContainerStatusRestartsTotal,
  up,
} from '@opsight/catalog';
import type { DashboardSpec } from '../dashboard-spec.js';
import { barGauge, table, timeseries } from '../panels.js';
import { orZeroWhere } from '../zero-fill.js';

// A service's pods are named after it (`api-service-0` locally, `api-service-7d9f…` in Kubernetes).
const pods = 'namespace=~"$namespace", pod=~"($service)-.+"';
const limits = kubePodContainerResourceLimits.name;
const cpu = `sum by (pod) (rate(${containerCpuUsageSecondsTotal.name}{${pods}}[1m]))`;
const memory = `sum by (pod) (${containerMemoryWorkingSetBytes.name}{${pods}})`;

export const coreServices: DashboardSpec = {
  uid: 'opsight-core-services',
  title: 'Core services',
  description:
    'api-service and model-router: gRPC and HTTP rates and latency, CPU and memory against limits, restarts (strategy 1.2).',
  variables: ['namespace', 'service'],
  panels: [
    timeseries({
      title: 'gRPC request rate by method',
      description: "Handled gRPC calls per second, by service and method (the strategy's query).",
      unit: 'reqps',
      queries: [
        {
          expr: `sum(rate(${grpcServerHandledTotal.name}[1m])) by (grpc_service, grpc_method)`,
          legend: '{{grpc_service}}/{{grpc_method}}',
        },
      ],
    }),
    timeseries({
      title: 'gRPC P95 latency by method',
      description: "95th percentile of gRPC handling time over 5 minutes, by method (the strategy's query).",
      unit: 's',
      queries: [
        {
          expr: `histogram_quantile(0.95, sum(rate(${grpcServerHandlingSeconds.name}_bucket[5m])) by (le, grpc_method))`,
          legend: '{{grpc_method}}',
        },
      ],
    }),
    timeseries({
      title: 'HTTP request rate by route',
      description: 'HTTP requests per second served by the selected services, by route and status class.',
      unit: 'reqps',
      queries: [
        {
          expr: `sum by (job, route, status_class) (rate(${httpServerRequestsTotal.name}{namespace=~"$namespace", job=~"$service"}[1m]))`,
          legend: '{{job}} {{route}} {{status_class}}',
        },
      ],
    }),
    timeseries({
      title: 'gRPC errors by code',
      description: 'gRPC calls per second that did not end OK, by method and code.',
      unit: 'reqps',
      queries: [
        {
          // 0 for a method with calls and no error, so the panel shows each method, not "No data".
          expr: orZeroWhere(
            `sum by (grpc_method, grpc_code) (rate(${grpcServerHandledTotal.name}{grpc_code!="OK"}[1m]))`,
            `sum by (grpc_method) (rate(${grpcServerHandledTotal.name}[1m]))`,
            ['grpc_method'],
          ),
          legend: '{{grpc_method}} {{grpc_code}}',
        },
      ],
    }),
    timeseries({
      title: 'CPU against limit',
      description: "CPU cores used per pod (solid) and each pod's CPU limit.",
      unit: 'short',
      queries: [
        { expr: cpu, legend: '{{pod}}' },
        { expr: `sum by (pod) (${limits}{${pods}, resource="cpu"})`, legend: '{{pod}} limit' },
      ],
    }),
    timeseries({
      title: 'Memory against limit',
      description: "Working-set bytes per pod and each pod's memory limit.",
      unit: 'bytes',
      queries: [
        { expr: memory, legend: '{{pod}}' },
        { expr: `sum by (pod) (${limits}{${pods}, resource="memory"})`, legend: '{{pod}} limit' },
      ],
    }),
    barGauge({
      title: 'CPU used of limit',
      description: 'CPU use as a share of the limit, per pod: near 100 % the pod is throttled.',
      unit: 'percentunit',
      min: 0,
      max: 1,
      thresholds: [
        [0.8, 'orange'],
        [0.95, 'red'],
      ],
      queries: [
        {
          expr: `${cpu} / sum by (pod) (${limits}{${pods}, resource="cpu"})`,
          legend: '{{pod}}',
          instant: true,
        },
      ],
    }),
    table({
      title: 'Restarts (last hour) and targets up',
      description: 'Container restarts in the last hour, per pod, and whether each scrape target is up.',
      unit: 'short',
      queries: [
        {
          expr: `sum by (pod) (increase(${kubePodContainerStatusRestartsTotal.name}{${pods}}[1h]))`,
          legend: '{{pod}}',
        },
        { expr: `${up.name}{namespace=~"$namespace", job=~"$service"}`, legend: '{{job}}' },
      ],
    }),
  ],
};
