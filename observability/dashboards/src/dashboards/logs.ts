import type { DashboardSpec } from '../dashboard-spec.js';
import { logField } from '../log-field.js';
import { logMetrics, logs } from '../panels.js';

/** The strategy's three LogQL queries (docs/architecture.md, 2.3); the trace id is filled in from a trace. */
export const STRATEGY_LOGQL = {
  routerErrors: '{app="model-router", level="ERROR"}',
  byTrace: (traceId: string) => `{${logField('trace_id')}="${traceId}"}`,
  latencyByPath: `sum(rate({app="api-service"} | json | unwrap ${logField('latency_ms')} [1m])) by (${logField('path')})`,
} as const;

const streams = 'namespace=~"$namespace", app=~"$service"';

export const logsDashboard: DashboardSpec = {
  uid: 'opsight-logs',
  title: 'Logs',
  description: 'Log volume, errors and latency from the logs (LogQL on Loki or the local log store).',
  variables: ['namespace', 'service'],
  panels: [
    logMetrics({
      title: 'Log lines by level',
      description: 'Log lines per second by app and level.',
      unit: 'short',
      queries: [{ expr: `sum by (app, level) (rate({${streams}}[1m]))`, legend: '{{app}} {{level}}' }],
    }),
    logMetrics({
      title: 'api-service latency by path',
      description: "The strategy's query: latency_ms from api-service log lines, summed per second, by path.",
      unit: 'ms',
      queries: [{ expr: STRATEGY_LOGQL.latencyByPath, legend: '{{path}}' }],
    }),
    logs({
      title: 'model-router errors',
      description: "The strategy's query: ERROR lines of the model router.",
      height: 8,
      queries: [STRATEGY_LOGQL.routerErrors],
    }),
    logs({
      title: 'Errors and warnings',
      description: 'WARN and ERROR lines of the selected services; open a line to jump to its trace.',
      queries: [`{${streams}, level=~"ERROR|WARN"}`],
    }),
    logs({
      title: 'All lines',
      description: 'Every line of the selected services, newest first.',
      queries: [`{${streams}}`],
    }),
  ],
};
