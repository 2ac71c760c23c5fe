/**
 * Thresholds, `for:` durations and intervals: defined once here and used by the rules, their tests, the
 * runbooks and the dashboards.
 */

/** Scrape and rule evaluation intervals. */
export const INTERVALS = {
  /**
   * Production (Kubernetes): 30 s keeps the series count per target cheap; every `for:` below is at least
   * 1 minute, so an alert sees at least two evaluations before it fires.
   */
  production: '30s',
  /** Local stack: 5 s, so that a developer sees a change within seconds. */
  local: '5s',
  /** Local stack under OPSIGHT_FAST=1 (whole-stack tests): 1 s. */
  fast: '1s',
} as const;

/** Alert thresholds; "Strategy 1.3" is the alert list of docs/architecture.md. */
export const THRESHOLDS = {
  /** Strategy 1.3: p99 latency of the gateway or a core service above 1 second. */
  latencyP99Seconds: 1,
  /** Strategy 1.3: error ratio of a service above 5%. */
  errorRatio: 0.05,
  /** Strategy 1.3: CPU or memory above 90% of the container's limit. */
  resourceLimitRatio: 0.9,
  /** Strategy 1.3: replication lag above 60 seconds. */
  replicationLagSeconds: 60,
  /** Strategy 1.3: `api_key_expiry_days < 7`. */
  apiKeyExpiryDays: 7,
  /** Failed inferences of one model and reason, over all its inferences. */
  inferenceFailureRatio: 0.05,
  /** Token throughput below this share of what it was an hour earlier. */
  tokenThroughputCollapseRatio: 0.5,
  /** p90 time to first token above 2 seconds. */
  ttftP90Seconds: 2,
  /** Connections over max_connections. */
  pgConnectionSaturationRatio: 0.8,
  /** Redis hit ratio below this share of what it was an hour earlier. */
  redisHitRateCollapseRatio: 0.5,
  /** Share of a target's scrapes that failed over 10 minutes while it is up. */
  scrapeFailureRatio: 0.1,
  /** Age of the oldest log entry not yet in the log store. */
  logShipperLagSeconds: 60,
} as const;

/** `for:` of each alert, in minutes. */
export const FOR_MINUTES = {
  /** `up == 0` for one minute: two production scrapes missed, not a single timeout. */
  serviceDown: 1,
  /** Strategy 1.3: "for 5 minutes". */
  errorRate: 5,
  latency: 5,
  resource: 5,
  replicationLag: 2,
  apiKeyExpiry: 5,
  sloPage: 2,
  sloTicket: 60,
  inferenceFailure: 5,
  tokenCollapse: 10,
  ttft: 5,
  pgConnections: 5,
  redisHitRate: 10,
  scrapeFailures: 5,
  ruleFailures: 5,
  logShipperLag: 5,
  logEntriesDropped: 5,
  spansDropped: 10,
  /** Every attempt to one relay receiver failed over 10 minutes, for 5 more: not a blip. */
  relayReceiverFailing: 5,
  /** Log-based: model-router's ERROR lines above their rate for 5 minutes, as the metric error alerts. */
  routerErrorLogs: 5,
  /** Log-based: one user's authentication failures above their count for 2 more minutes. */
  authFailuresByUser: 2,
  /** Log-based: a single panic, FATAL or out-of-memory line is enough. */
  crashLogLines: 0,
  /** Log-based: silent for the whole window, then 5 minutes more. */
  stoppedLogging: 5,
} as const;

/**
 * Log-based rules (LogQL, evaluated by Loki's ruler in production and the log store's ruler locally): their
 * thresholds, windows and the services they watch.
 */
export const LOG_RULES = {
  /** Evaluation interval of the log rule groups: each is a query over the log store, so once a minute. */
  interval: '1m',
  /** Range of the rates and counts of the log rules. */
  window: '5m',
  /** ERROR lines per second from model-router, averaged over the window. */
  routerErrorLinesPerSecond: 0.5,
  /** Authentication failures (HTTP 401) of one user over the window. */
  authFailuresPerUser: 10,
  /** How long a service may write nothing before it counts as silent. */
  silentWindow: '10m',
  /** Services that log on every request and so should never be silent while traffic flows. */
  loggingServices: ['api-service', 'model-router', 'model-serving'],
  /**
   * Apps whose lines may quote other queries (the log stores log the LogQL they run, Grafana and the console
   * proxy it): a crash-line rule that read them would match its own expression.
   */
  queryEchoApps: ['loki', 'logstore', 'grafana', 'console'],
  /** The tenant production Loki (and the local stack under OPSIGHT_AUTH=1) keeps the platform's logs in. */
  tenant: 'opsight',
  /** The local log store's tenant without OPSIGHT_AUTH (Loki's single-tenant name). */
  singleTenant: 'fake',
} as const;

/** gRPC codes that count as server errors (the client's own errors, like InvalidArgument, do not). */
export const GRPC_SERVER_ERROR_CODES = ['Unknown', 'DeadlineExceeded', 'Internal', 'Unavailable', 'DataLoss'];

/** The `le` of a 1-second bucket: Prometheus 3 writes classic bucket bounds as floats (`1.0`), 2.x as scraped. */
export const LE_ONE_SECOND = 'le=~"1|1\\\\.0"';

/**
 * Where runbooks live, for `runbook_url`: the repository path, which the console opens locally; a deployment
 * that publishes the repository elsewhere prefixes it with the published base.
 */
export const RUNBOOK_BASE = 'observability/runbooks';
