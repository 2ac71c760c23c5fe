import type { LogRuleGroup, LogTestStream } from '../log-rule.js';
import { FOR_MINUTES, LOG_RULES } from '../settings.js';

const L = LOG_RULES;
const s = (stream: string, values: string, lines?: string[]): LogTestStream => ({
  stream,
  values,
  ...(lines ? { lines } : {}),
});
const json = (fields: Record<string, unknown>) => JSON.stringify(fields);
const regexAlternatives = (names: readonly string[]) => names.join('|');

/**
 * What reads as a crash in any process's output: a Go panic (`panic: …`), a FATAL line (Node.js's `FATAL
 * ERROR: … JavaScript heap out of memory`, PostgreSQL's `FATAL:`, a logger's FATAL level) and any
 * out-of-memory message (the kernel's `Out of memory: Killed process`). RE2; FATAL in capitals only, as
 * programs write it, so that prose saying "fatal" does not match.
 */
export const CRASH_LINE_PATTERN = 'panic:|\\bFATAL\\b|(?i:out of memory)';

/** Log lines and errors by app: rates in Prometheus for dashboards and capacity, from every stream. */
export const logVolume: LogRuleGroup = {
  name: 'log-volume',
  recording: [
    {
      record: 'namespace_app_level:log_lines:rate5m',
      expr: `sum by (namespace, app, level) (rate({namespace=~".+"}[${L.window}]))`,
      comment: 'Lines per second by app and level (a stream without a level label counts under no level).',
      expect: [
        { labels: { namespace: 'platform', app: 'api-service', level: 'INFO' }, value: 1 },
        { labels: { namespace: 'platform', app: 'api-service', level: 'ERROR' }, value: 0.1 },
        { labels: { namespace: 'platform', app: 'model-router', level: 'ERROR' }, value: 0.2 },
      ],
    },
    {
      record: 'namespace_app:log_errors:rate5m',
      expr: `sum by (namespace, app) (rate({namespace=~".+", level="ERROR"}[${L.window}]))`,
      comment: 'ERROR lines per second by app.',
      expect: [
        { labels: { namespace: 'platform', app: 'api-service' }, value: 0.1 },
        { labels: { namespace: 'platform', app: 'model-router' }, value: 0.2 },
      ],
    },
  ],
  // Five one-minute steps in the window ending at 5m (1m–5m): 60, 6 and 12 lines a step = 1, 0.1, 0.2 lines/s.
  input: [
    s('{namespace="platform", app="api-service", level="INFO"}', '_ 60x5'),
    s('{namespace="platform", app="api-service", level="ERROR"}', '_ 6x5'),
    s('{namespace="platform", app="model-router", level="ERROR"}', '_ 12x5'),
  ],
  expectAtMinutes: 5,
};

const routerError = json({ level: 'ERROR', service: 'model-router', message: 'backend call failed' });
const refused = (user: string | undefined) =>
  json({
    level: 'WARN',
    service: 'api-service',
    message: 'chat completion refused',
    ...(user ? { user_id: user } : {}),
    status: 401,
    error_code: user ? 'API_KEY_REVOKED' : 'API_KEY_UNKNOWN',
  });
const served = json({
  level: 'INFO',
  service: 'api-service',
  message: 'chat completion',
  user_id: 'u-17',
  status: 200,
});
const logEveryMinute = (app: string, values: string) =>
  s(`{namespace="platform", app="${app}", level="INFO"}`, values, [
    json({ level: 'INFO', service: app, message: 'chat completion' }),
  ]);

/** Failures that only logs show: error bursts, one user's refused keys, crashes, a service gone quiet. */
export const platformLogAlerts: LogRuleGroup = {
  name: 'platform-log-alerts',
  alerts: [
    {
      alert: 'ModelRouterErrorLogs',
      expr: `sum by (namespace, app) (rate({app="model-router", level="ERROR"}[${L.window}])) > ${L.routerErrorLinesPerSecond}`,
      forMinutes: FOR_MINUTES.routerErrorLogs,
      severity: 'page',
      labels: { service: 'model-router' },
      summary: 'model-router in {{ $labels.namespace }} logs a burst of errors',
      description: `model-router writes {{ $value | humanize }} ERROR lines per second over ${L.window}, above ${L.routerErrorLinesPerSecond}/s: routing or its backends are failing.`,
      fixture: {
        // 60 lines a minute from 1m: 0.2/s at 1m, 0.4/s at 2m, 0.6/s at 3m (above 0.5); 1/s from 5m.
        firing: [s('{namespace="platform", app="model-router", level="ERROR"}', '_ 60x12', [routerError])],
        healthy: [
          s('{namespace="platform", app="model-router", level="ERROR"}', '_ 25x12', [routerError]),
          s('{namespace="platform", app="model-router", level="INFO"}', '_ 600x12'),
        ],
        trueFromMinutes: 3,
        labels: { namespace: 'platform', app: 'model-router' },
        valueText: '1',
      },
    },
    {
      alert: 'ApiAuthFailuresByUser',
      // user_id comes from the JSON line (| json), never from a stream label. Where the collector also sends
      // it as structured metadata (Loki 3), the metadata reads the same and the extracted copy is user_id_extracted.
      expr: `sum by (namespace, user_id) (count_over_time({app="api-service"} | json user_id, status | __error__="" | status="401" | user_id!="" [${L.window}])) > ${L.authFailuresPerUser}`,
      forMinutes: FOR_MINUTES.authFailuresByUser,
      severity: 'ticket',
      labels: { service: 'api-service' },
      summary: 'User {{ $labels.user_id }} keeps failing authentication',
      description: `{{ $value }} requests of user {{ $labels.user_id }} were refused with 401 over ${L.window}, above ${L.authFailuresPerUser}: a revoked or expired key still in use, or someone trying that user's keys.`,
      fixture: {
        // 3 refusals a minute from 1m: 12 in the window at 4m (above 10), 15 from 5m on.
        firing: [
          s('{namespace="platform", app="api-service", level="WARN"}', '_ 3x10', [refused('u-17')]),
          s('{namespace="platform", app="api-service", level="INFO"}', '_ 30x10', [served]),
        ],
        // As many refusals, but spread over three users, plus unknown keys (no user): never 10 for one user.
        healthy: [
          s('{namespace="platform", app="api-service", level="WARN"}', '_ 6x10', [
            refused('u-1'),
            refused('u-2'),
            refused('u-3'),
            refused(undefined),
            refused(undefined),
            refused(undefined),
          ]),
        ],
        trueFromMinutes: 4,
        labels: { namespace: 'platform', user_id: 'u-17' },
        valueText: '15',
      },
    },
    {
      alert: 'CrashLogLine',
      expr: `sum by (namespace, app) (count_over_time({namespace=~".+", app!~"${regexAlternatives(L.queryEchoApps)}"} |~ \`${CRASH_LINE_PATTERN}\` [${L.window}])) > 0`,
      forMinutes: FOR_MINUTES.crashLogLines,
      severity: 'page',
      summary: '{{ $labels.app }} in {{ $labels.namespace }} logged a crash',
      description: `{{ $value }} line(s) from {{ $labels.app }} over ${L.window} read as a crash (a panic, a FATAL error or out of memory): the process died or is about to.`,
      fixture: {
        firing: [
          s('{namespace="platform", app="model-serving", container="model-serving"}', '_x2 1', [
            'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
          ]),
        ],
        healthy: [
          s('{namespace="platform", app="model-serving", level="ERROR"}', '1x10', [
            json({
              level: 'ERROR',
              service: 'model-serving',
              message: 'a fatal-sounding upstream error; no panic here',
            }),
          ]),
          // The log store logs the queries it runs, this rule's own among them.
          s('{namespace="monitoring", app="logstore", level="INFO"}', '1x10', [
            json({
              level: 'INFO',
              message: 'query',
              query: 'count_over_time({app="x"} |~ `panic:|FATAL` [5m])',
            }),
          ]),
        ],
        trueFromMinutes: 2,
        labels: { namespace: 'platform', app: 'model-serving' },
        valueText: '1',
      },
    },
    {
      alert: 'ServiceStoppedLogging',
      expr: L.loggingServices
        .map((app) => `absent_over_time({app="${app}"}[${L.silentWindow}])`)
        .join(' or '),
      forMinutes: FOR_MINUTES.stoppedLogging,
      severity: 'ticket',
      summary: `{{ $labels.app }} has written no log line for ${L.silentWindow}`,
      description: `No line from {{ $labels.app }} reached the log store for ${L.silentWindow} (absent_over_time = {{ $value }}). If ServiceDown does not fire for it, it is up and its logs are lost, or it serves no traffic.`,
      fixture: {
        // api-service's last line is at 3m: nothing in the 10 minutes up to 13m and after.
        firing: [
          logEveryMinute('api-service', '1x3'),
          logEveryMinute('model-router', '1x30'),
          logEveryMinute('model-serving', '1x30'),
        ],
        healthy: L.loggingServices.map((app) => logEveryMinute(app, '1x30')),
        trueFromMinutes: 13,
        labels: { app: 'api-service' },
        valueText: '1',
      },
    },
  ],
};
