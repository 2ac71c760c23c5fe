import {
  containerMemoryWorkingSetBytes,
  kubePodContainerResourceLimits,
  modelOutputTokensTotal,
  nginxHttpRequestsTotal,
  pgDatabaseSizeBytes,
  redisMemoryMaxBytes,
  redisMemoryUsedBytes,
} from '@opsight/catalog';
import type { DashboardSpec } from '../dashboard-spec.js';
import { barGauge, timeseries } from '../panels.js';

const DAY = 86400;
/** History each forecast fits on: the last day for 7 days ahead, the last week for 30 days ahead. */
const horizons = [
  { label: '7d', seconds: 7 * DAY, history: '1d', step: '1m' },
  { label: '30d', seconds: 30 * DAY, history: '7d', step: '5m' },
] as const;

/** `predict_linear` of an instant expression, through a subquery, for each horizon. */
function forecast(expr: string, legend: string) {
  return [
    { expr, legend: `${legend} now` },
    ...horizons.map((h) => ({
      expr: `predict_linear((${expr})[${h.history}:${h.step}], ${h.seconds})`,
      legend: `${legend} in ${h.label}`,
    })),
  ];
}

const redisUsed = `sum(${redisMemoryUsedBytes.name})`;
const redisMax = `sum(${redisMemoryMaxBytes.name} > 0)`;

export const capacity: DashboardSpec = {
  uid: 'opsight-capacity',
  title: 'Capacity planning',
  description:
    'Linear forecasts (predict_linear) of load and storage 7 and 30 days ahead, with the headroom left.',
  variables: ['namespace'],
  panels: [
    timeseries({
      title: 'QPS forecast',
      description: 'Gateway requests per second now and extrapolated 7 and 30 days ahead.',
      unit: 'reqps',
      queries: forecast(`sum(rate(${nginxHttpRequestsTotal.name}[5m]))`, 'QPS'),
    }),
    timeseries({
      title: 'Token throughput forecast',
      description: 'Output tokens per second now and extrapolated 7 and 30 days ahead.',
      unit: 'short',
      queries: forecast(`sum(rate(${modelOutputTokensTotal.name}[5m]))`, 'tokens/s'),
    }),
    timeseries({
      title: 'Database size forecast',
      description: 'PostgreSQL database size now and extrapolated 7 and 30 days ahead.',
      unit: 'bytes',
      queries: forecast(`sum(${pgDatabaseSizeBytes.name}{namespace=~"$namespace"})`, 'size'),
    }),
    timeseries({
      title: 'Redis memory forecast',
      description: 'Redis memory now and extrapolated 7 and 30 days ahead, against maxmemory.',
      unit: 'bytes',
      queries: [...forecast(redisUsed, 'used'), { expr: redisMax, legend: 'maxmemory' }],
    }),
    barGauge({
      title: 'Headroom in 30 days',
      description:
        "Share of each limit still free if the 30-day linear trend holds: Redis maxmemory and each pod's memory limit.",
      unit: 'percentunit',
      width: 24,
      min: 0,
      max: 1,
      thresholds: [[0.2, 'green']],
      queries: [
        {
          expr: `1 - predict_linear((${redisUsed})[7d:5m], ${30 * DAY}) / ${redisMax}`,
          legend: 'Redis memory',
          instant: true,
        },
        {
          expr: `1 - predict_linear(sum by (pod) (${containerMemoryWorkingSetBytes.name}{namespace=~"$namespace"})[7d:5m], ${30 * DAY}) / sum by (pod) (${kubePodContainerResourceLimits.name}{namespace=~"$namespace", resource="memory"})`,
          legend: '{{pod}} memory',
          instant: true,
        },
      ],
    }),
  ],
};
