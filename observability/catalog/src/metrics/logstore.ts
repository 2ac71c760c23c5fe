import { defineMetric } from '../metric-definition.js';

// The local log store's own metrics (observability/logstore): Loki's names where Loki has the same metric,
// `opsight_logstore_*` for what is the store's own (its size budget and its disk).

const tenantNote = '`tenant` is the X-Scope-OrgID (`fake` in single-tenant mode).';

export const lokiDistributorLinesReceivedTotal = defineMetric({
  name: 'loki_distributor_lines_received_total',
  help: 'Log lines received by the push API, by tenant.',
  type: 'counter',
  unit: 'lines',
  labels: ['tenant'],
  source: 'service',
  note: tenantNote,
});

export const lokiDistributorBytesReceivedTotal = defineMetric({
  name: 'loki_distributor_bytes_received_total',
  help: 'Bytes of log lines received by the push API, by tenant.',
  type: 'counter',
  unit: 'bytes',
  labels: ['tenant'],
  source: 'service',
  note: tenantNote,
});

export const lokiDiscardedSamplesTotal = defineMetric({
  name: 'loki_discarded_samples_total',
  help: 'Log lines rejected, by reason (Loki reason names) and tenant.',
  type: 'counter',
  unit: 'lines',
  labels: ['reason', 'tenant'],
  source: 'service',
  note: '`reason`: line_too_long, greater_than_max_sample_age, too_far_in_future, too_far_behind, stream_limit, rate_limited, invalid_labels, … as Loki names them.',
});

export const lokiMutatedSamplesTotal = defineMetric({
  name: 'loki_mutated_samples_total',
  help: 'Log lines changed before storing (line_too_long: truncated to max_line_size), by reason and tenant.',
  type: 'counter',
  unit: 'lines',
  labels: ['reason', 'tenant'],
  source: 'service',
  note: 'Only with `max_line_size_truncate`.',
});

export const lokiMutatedBytesTotal = defineMetric({
  name: 'loki_mutated_bytes_total',
  help: 'Bytes removed from log lines before storing, by reason and tenant.',
  type: 'counter',
  unit: 'bytes',
  labels: ['reason', 'tenant'],
  source: 'service',
});

export const lokiRequestDurationSeconds = defineMetric({
  name: 'loki_request_duration_seconds',
  help: 'HTTP request duration by route and status code.',
  type: 'histogram',
  unit: 'seconds',
  labels: ['method', 'route', 'status_code'],
  buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  source: 'service',
});

export const lokiIngesterMemoryStreams = defineMetric({
  name: 'loki_ingester_memory_streams',
  help: 'Active streams (an entry within chunk_idle_period), by tenant.',
  type: 'gauge',
  unit: 'streams',
  labels: ['tenant'],
  source: 'service',
  note: 'What `max_global_streams_per_user` counts. Idle streams leave it; their data stays queryable.',
});

export const logstoreStorageBytes = defineMetric({
  name: 'opsight_logstore_storage_bytes',
  help: 'Bytes of database pages in use.',
  type: 'gauge',
  unit: 'bytes',
  labels: [],
  source: 'service',
  note: 'What the size budget (`opsight_logstore_retention_budget_bytes`) bounds.',
});

export const logstoreRetentionBudgetBytes = defineMetric({
  name: 'opsight_logstore_retention_budget_bytes',
  help: 'Size budget of the database (--retention-bytes); 0 when unbounded.',
  type: 'gauge',
  unit: 'bytes',
  labels: [],
  source: 'service',
});

export const logstoreRetentionEvictedBytesTotal = defineMetric({
  name: 'opsight_logstore_retention_evicted_bytes_total',
  help: 'Bytes of database pages freed by retention (age or size).',
  type: 'counter',
  unit: 'bytes',
  labels: [],
  source: 'service',
});

export const logstoreRetentionDeletedEntriesTotal = defineMetric({
  name: 'opsight_logstore_retention_deleted_entries_total',
  help: 'Entries deleted by retention (age or size).',
  type: 'counter',
  unit: 'entries',
  labels: [],
  source: 'service',
});

export const logstoreSealedEntriesTotal = defineMetric({
  name: 'opsight_logstore_sealed_entries_total',
  help: 'Entries sealed into compressed chunks.',
  type: 'counter',
  unit: 'entries',
  labels: [],
  source: 'service',
});

export const logstoreWriteFailuresTotal = defineMetric({
  name: 'opsight_logstore_write_failures_total',
  help: 'Writes that failed and were rolled back, by operation and error code.',
  type: 'counter',
  unit: 'writes',
  labels: ['operation', 'code'],
  source: 'service',
  note: '`operation`: push, seal, retention. `code`: STORAGE_FULL (SQLITE_FULL, ENOSPC), STORAGE_IO_ERROR, INTERNAL.',
});

export const logstoreStorageFull = defineMetric({
  name: 'opsight_logstore_storage_full',
  help: '1 while the last push failed because the disk is full, else 0.',
  type: 'gauge',
  unit: '1',
  labels: [],
  source: 'service',
});

export const logstoreQueryRefusalsTotal = defineMetric({
  name: 'opsight_logstore_query_refusals_total',
  help: 'Queries refused by a query limit before or while they ran, by tenant and error code.',
  type: 'counter',
  unit: 'queries',
  labels: ['tenant', 'code'],
  source: 'service',
  note: '`code`: QUERY_TOO_LONG, MAX_ENTRIES_LIMIT, MAX_QUERY_SERIES, QUERYING_DISABLED, TOO_MANY_OUTSTANDING_REQUESTS, QUERY_QUEUE_TIMEOUT.',
});

export const logstoreQueriesStoppedTotal = defineMetric({
  name: 'opsight_logstore_queries_stopped_total',
  help: 'Queries stopped before their end, by tenant and reason.',
  type: 'counter',
  unit: 'queries',
  labels: ['tenant', 'reason'],
  source: 'service',
  note: '`reason`: deadline (ran past query_timeout, answered 504), cancelled (the client went away).',
});

// The ruler's metrics: Loki's names (its ruler exports Prometheus's rule-manager and notifier metrics
// with the `loki_` prefix, by `user`, the tenant, and `rule_group`, `<namespace>;<group>`).

const ruleGroupNote = '`user` is the tenant; `rule_group` is `<namespace>;<group>`, as Loki names them.';

export const lokiPrometheusRuleEvaluationsTotal = defineMetric({
  name: 'loki_prometheus_rule_evaluations_total',
  help: 'Rule evaluations, by tenant and rule group.',
  type: 'counter',
  unit: 'evaluations',
  labels: ['user', 'rule_group'],
  source: 'service',
  note: ruleGroupNote,
});

export const lokiPrometheusRuleEvaluationFailuresTotal = defineMetric({
  name: 'loki_prometheus_rule_evaluation_failures_total',
  help: 'Rule evaluations that failed (the query failed, or the result broke a rule), by tenant and rule group.',
  type: 'counter',
  unit: 'evaluations',
  labels: ['user', 'rule_group'],
  source: 'service',
  note: `${ruleGroupNote} The rule's health and lastError in /prometheus/api/v1/rules say why.`,
});

export const lokiPrometheusRuleGroupLastDurationSeconds = defineMetric({
  name: 'loki_prometheus_rule_group_last_duration_seconds',
  help: 'How long the last evaluation of a rule group took.',
  type: 'gauge',
  unit: 'seconds',
  labels: ['user', 'rule_group'],
  source: 'service',
  note: ruleGroupNote,
});

export const lokiPrometheusRuleGroupLastEvaluationTimestampSeconds = defineMetric({
  name: 'loki_prometheus_rule_group_last_evaluation_timestamp_seconds',
  help: 'When a rule group was last evaluated (Unix seconds).',
  type: 'gauge',
  unit: 'seconds',
  labels: ['user', 'rule_group'],
  source: 'service',
  note: ruleGroupNote,
});

export const lokiPrometheusRuleGroupIntervalSeconds = defineMetric({
  name: 'loki_prometheus_rule_group_interval_seconds',
  help: 'The evaluation interval of a rule group.',
  type: 'gauge',
  unit: 'seconds',
  labels: ['user', 'rule_group'],
  source: 'service',
  note: ruleGroupNote,
});

export const lokiPrometheusRuleGroupIterationsMissedTotal = defineMetric({
  name: 'loki_prometheus_rule_group_iterations_missed_total',
  help: 'Evaluations of a rule group skipped because the previous one was still running.',
  type: 'counter',
  unit: 'evaluations',
  labels: ['user', 'rule_group'],
  source: 'service',
  note: ruleGroupNote,
});

export const lokiPrometheusRuleGroupRules = defineMetric({
  name: 'loki_prometheus_rule_group_rules',
  help: 'Rules of a rule group.',
  type: 'gauge',
  unit: 'rules',
  labels: ['user', 'rule_group'],
  source: 'service',
  note: ruleGroupNote,
});

export const lokiPrometheusNotificationsSentTotal = defineMetric({
  name: 'loki_prometheus_notifications_sent_total',
  help: 'Alerts sent to an Alertmanager, by tenant and Alertmanager.',
  type: 'counter',
  unit: 'alerts',
  labels: ['user', 'alertmanager'],
  source: 'service',
  note: '`alertmanager` is the URL alerts are posted to (`…/api/v2/alerts`).',
});

export const lokiPrometheusNotificationsErrorsTotal = defineMetric({
  name: 'loki_prometheus_notifications_errors_total',
  help: 'Alerts whose sending to an Alertmanager failed, by tenant and Alertmanager.',
  type: 'counter',
  unit: 'alerts',
  labels: ['user', 'alertmanager'],
  source: 'service',
});

export const lokiPrometheusNotificationsDroppedTotal = defineMetric({
  name: 'loki_prometheus_notifications_dropped_total',
  help: 'Alerts dropped: the queue to the Alertmanagers was full, or no Alertmanager took them.',
  type: 'counter',
  unit: 'alerts',
  labels: ['user'],
  source: 'service',
});

export const lokiPrometheusNotificationsQueueLength = defineMetric({
  name: 'loki_prometheus_notifications_queue_length',
  help: 'Alerts waiting to be sent to the Alertmanagers.',
  type: 'gauge',
  unit: 'alerts',
  labels: ['user'],
  source: 'service',
});

export const logstoreRulerRemoteWriteSamplesTotal = defineMetric({
  name: 'opsight_logstore_ruler_remote_write_samples_total',
  help: 'Samples of recording rules sent by remote write, by outcome (sent, failed, dropped: the queue was full).',
  type: 'counter',
  unit: 'samples',
  labels: ['outcome'],
  source: 'service',
  note: 'Loki ships recorded samples through a WAL; the local ruler sends them from a bounded queue in memory.',
});
