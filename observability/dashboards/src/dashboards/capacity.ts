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
/**
 * History each forecast fits on: the last day for 7 days ahead, the last week for 30 days ahead. The fit
 * is `predict_linear` over a range vector of a stored series (a raw gauge or a recording rule), never a
 * subquery: a range vector takes whatever part of the window exists, so a forecast answers as soon as the
 * series has two samples and grows more trustworthy as history builds up, while a `[7d:5m]` subquery
 * shows nothing until several of its 5-minute steps have passed.
 */
const horizons = [
  { label: '7d', seconds: 7 * DAY, history: '1d' },
  { label: '30d', seconds: 30 * DAY, history: '7d' },
] as const;

/**
 * Recording rules of observability/prometheus (rules/strategy.yml) the forecasts fit on: a rate is
 * only a series once recorded. A unit test checks that every recorded name used here is recorded there.
 */
export const RECORDED = {
  qps: 'cluster:nginx_http_requests:rate1m',
  tokensByModel: 'model_name:model_output_tokens:rate1m',
} as const;

/**
 * The value now, and the sum of the linear forecast of each `series` for each horizon (the forecast of a
 * sum is the sum of the forecasts).
 */
function forecast(now: string, series: string, legend: string) {
  return [
    { expr: now, legend: `${legend} now` },
    ...horizons.map((h) => ({
      expr: `sum(predict_linear(${series}[${h.history}], ${h.seconds}))`,
      legend: `${legend} in ${h.label}`,
    })),
  ];
}

const redisUsed = redisMemoryUsedBytes.name;
const redisMax = `sum(${redisMemoryMaxBytes.name} > 0)`;
const namespace = 'namespace=~"$namespace"';

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
      queries: forecast(`sum(rate(${nginxHttpRequestsTotal.name}[5m]))`, RECORDED.qps, 'QPS'),
    }),
    timeseries({
      title: 'Token throughput forecast',
      description: 'Output tokens per second now and extrapolated 7 and 30 days ahead.',
      unit: 'short',
      queries: forecast(`sum(rate(${modelOutputTokensTotal.name}[5m]))`, RECORDED.tokensByModel, 'tokens/s'),
    }),
    timeseries({
      title: 'Database size forecast',
      description: 'PostgreSQL database size now and extrapolated 7 and 30 days ahead.',
      unit: 'bytes',
      queries: forecast(
        `sum(${pgDatabaseSizeBytes.name}{${namespace}})`,
        `${pgDatabaseSizeBytes.name}{${namespace}}`,
        'size',
      ),
    }),
    timeseries({
      title: 'Redis memory forecast',
      description: 'Redis memory now and extrapolated 7 and 30 days ahead, against maxmemory.',
      unit: 'bytes',
      queries: [...forecast(`sum(${redisUsed})`, redisUsed, 'used'), { expr: redisMax, legend: 'maxmemory' }],
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
          expr: `1 - sum(predict_linear(${redisUsed}[7d], ${30 * DAY})) / ${redisMax}`,
          legend: 'Redis memory',
          instant: true,
        },
        {
          expr: `1 - sum by (pod) (predict_linear(${containerMemoryWorkingSetBytes.name}{${namespace}}[7d], ${30 * DAY})) / sum by (pod) (${kubePodContainerResourceLimits.name}{${namespace}, resource="memory"})`,
          legend: '{{pod}} memory',
          instant: true,
        },
      ],
    }),
  ],
};
