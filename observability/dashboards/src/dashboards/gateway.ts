import {
  nginxHttpRequestDurationSeconds,
  nginxHttpRequestSizeBytes,
  nginxHttpRequestsTotal,
  nginxHttpResponseSizeBytes,
} from '@opsight/catalog';
import type { DashboardSpec } from '../dashboard-spec.js';
import { stat, timeseries } from '../panels.js';
import { requestRate } from '../slo.js';
import { orZeroWhere } from '../zero-fill.js';

const requests = nginxHttpRequestsTotal.name;

/** The strategy's gateway queries, exactly as docs/architecture.md writes them (1.2 a). */
export const GATEWAY_QUERIES = {
  qps: `sum(rate(${requests}[1m]))`,
  p99: `histogram_quantile(0.99, sum(rate(${nginxHttpRequestDurationSeconds.name}_bucket[5m])) by (le))`,
  errorRate: `sum(rate(${requests}{status=~"5.."}[1m])) / sum(rate(${requests}[1m]))`,
  ingress: `sum(rate(${nginxHttpRequestSizeBytes.name}[1m]))`,
  egress: `sum(rate(${nginxHttpResponseSizeBytes.name}[1m]))`,
} as const;

/** The 5xx ratio, 0 while the gateway has requests and none failed. */
const errorRateOrZero = orZeroWhere(GATEWAY_QUERIES.errorRate, requestRate('1m'));

export const gateway: DashboardSpec = {
  uid: 'opsight-gateway',
  title: 'Gateway',
  description: 'The nginx gateway: request rate, P99 latency, 5xx rate and traffic (strategy 1.1).',
  variables: [],
  panels: [
    stat({
      title: 'QPS',
      description: 'Requests per second over the last minute.',
      unit: 'reqps',
      width: 6,
      height: 4,
      queries: [GATEWAY_QUERIES.qps],
    }),
    stat({
      title: 'P99 latency',
      description: '99th percentile of request time over 5 minutes.',
      unit: 's',
      width: 6,
      height: 4,
      queries: [GATEWAY_QUERIES.p99],
      thresholds: [
        [1, 'orange'],
        [3, 'red'],
      ],
    }),
    stat({
      title: '5xx rate',
      description: 'Share of requests answered with a 5xx over the last minute.',
      unit: 'percentunit',
      width: 6,
      height: 4,
      queries: [errorRateOrZero],
      thresholds: [
        [0.01, 'orange'],
        [0.05, 'red'],
      ],
    }),
    stat({
      title: 'Egress',
      description: 'Bytes sent per second.',
      unit: 'Bps',
      width: 6,
      height: 4,
      queries: [GATEWAY_QUERIES.egress],
    }),
    timeseries({
      title: 'Requests per second',
      description: "sum(rate(nginx_http_requests_total[1m])): the strategy's QPS.",
      unit: 'reqps',
      queries: [{ expr: GATEWAY_QUERIES.qps, legend: 'QPS' }],
    }),
    timeseries({
      title: 'P99 latency',
      description: 'histogram_quantile(0.99) of the gateway request time over 5 minutes.',
      unit: 's',
      queries: [{ expr: GATEWAY_QUERIES.p99, legend: 'P99' }],
    }),
    timeseries({
      title: '5xx error rate',
      description: '5xx responses divided by all responses, over 1 minute.',
      unit: 'percentunit',
      min: 0,
      queries: [{ expr: errorRateOrZero, legend: '5xx rate' }],
    }),
    timeseries({
      title: 'Traffic',
      description: 'Ingress (request bytes) and egress (response bytes) per second.',
      unit: 'Bps',
      queries: [
        { expr: GATEWAY_QUERIES.ingress, legend: 'ingress' },
        { expr: GATEWAY_QUERIES.egress, legend: 'egress' },
      ],
    }),
  ],
};
