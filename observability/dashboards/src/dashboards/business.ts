import { modelInferenceSuccessTotal, modelOutputTokensTotal, nginxHttpRequestsTotal } from '@opsight/catalog';
import type { DashboardSpec } from '../dashboard-spec.js';
import { logField } from '../log-field.js';
import { barGauge, logMetrics, stat, timeseries } from '../panels.js';

const user = logField('user_id');

/**
 * Distinct users who called the API in the window. Users are never metric or stream labels (unbounded);
 * they are counted at query time from the log line's `user_id`, which the store scans but never indexes.
 */
export const ACTIVE_USERS_QUERY = `count(sum by (${user}) (count_over_time({app="api-service"} | json | ${user} != "" [1h])))`;

export const business: DashboardSpec = {
  uid: 'opsight-business',
  title: 'Business',
  description:
    'API calls, active users (counted from logs, never a label) and how usage spreads over models.',
  variables: ['model'],
  panels: [
    stat({
      title: 'API calls (24h)',
      description: 'Requests answered by the gateway in the last 24 hours.',
      unit: 'short',
      width: 8,
      queries: [`sum(increase(${nginxHttpRequestsTotal.name}[1d]))`],
    }),
    stat({
      title: 'Successful inferences (24h)',
      description: 'Inferences that succeeded in the last 24 hours, over the selected models.',
      unit: 'short',
      width: 8,
      queries: [`sum(increase(${modelInferenceSuccessTotal.name}{model_name=~"$model"}[1d]))`],
    }),
    stat({
      title: 'Output tokens (24h)',
      description: 'Tokens generated in the last 24 hours, over the selected models.',
      unit: 'short',
      width: 8,
      queries: [`sum(increase(${modelOutputTokensTotal.name}{model_name=~"$model"}[1d]))`],
    }),
    timeseries({
      title: 'API calls by status',
      description: 'Gateway requests per second by status code.',
      unit: 'reqps',
      queries: [{ expr: `sum by (status) (rate(${nginxHttpRequestsTotal.name}[5m]))`, legend: '{{status}}' }],
    }),
    logMetrics({
      title: 'Active users (1h)',
      description:
        'Distinct user_id values in api-service log lines over the last hour, counted at query time.',
      unit: 'short',
      queries: [{ expr: ACTIVE_USERS_QUERY, legend: 'active users' }],
    }),
    barGauge({
      title: 'Model usage (1h)',
      description: 'Successful inferences per model in the last hour: how usage is distributed over models.',
      unit: 'short',
      queries: [
        {
          expr: `sum by (model_name) (increase(${modelInferenceSuccessTotal.name}{model_name=~"$model"}[1h]))`,
          legend: '{{model_name}}',
          instant: true,
        },
      ],
    }),
    barGauge({
      title: 'Tokens by model (1h)',
      description: 'Output tokens per model in the last hour.',
      unit: 'short',
      queries: [
        {
          expr: `sum by (model_name) (increase(${modelOutputTokensTotal.name}{model_name=~"$model"}[1h]))`,
          legend: '{{model_name}}',
          instant: true,
        },
      ],
    }),
  ],
};
