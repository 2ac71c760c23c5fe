import { defineMetric } from '../metric-definition.js';

// Series that recording and alert rules read but that no Opsight SDK emits: third-party exporters under
// their own names, and the local log collector. Named here so the rules import them like every other name.

export const pgStatStatementsSecondsTotal = defineMetric({
  name: 'pg_stat_statements_seconds_total',
  help: 'Total execution time of a statement, in seconds (top 100 statements by time).',
  type: 'counter',
  unit: 'seconds',
  labels: ['user', 'datname', 'queryid'],
  source: 'exporter',
  derivedFrom:
    'postgres_exporter (observability/postgres-exporter/queries.yaml locally, the stat_statements collector in newer exporters)',
  note: 'Summed per database into `pg_stat_statements_total_time` by a recording rule.',
});

export const pgReplicationStandbyReplayLagSeconds = defineMetric({
  name: 'pg_replication_standby_replay_lag_seconds',
  help: "PostgreSQL's replay_lag of a streaming standby, seen from the primary (pg_stat_replication).",
  type: 'gauge',
  unit: 'seconds',
  labels: ['application_name'],
  source: 'exporter',
  derivedFrom: 'postgres_exporter custom query (observability/postgres-exporter/queries.yaml)',
  note: 'Mapped to `pg_replication_lag_seconds` by a recording rule.',
});

export const pgReplicationStandbyReplayLagBytes = defineMetric({
  name: 'pg_replication_standby_replay_lag_bytes',
  help: 'WAL sent to a streaming standby and not yet replayed, in bytes.',
  type: 'gauge',
  unit: 'bytes',
  labels: ['application_name'],
  source: 'exporter',
  derivedFrom: 'postgres_exporter custom query (observability/postgres-exporter/queries.yaml)',
});

export const pgSettingsMaxConnections = defineMetric({
  name: 'pg_settings_max_connections',
  help: "PostgreSQL's max_connections setting.",
  type: 'gauge',
  unit: 'connections',
  labels: [],
  source: 'exporter',
  derivedFrom: 'postgres_exporter',
});

export const collectorLagSeconds = defineMetric({
  name: 'opsight_collector_lag_seconds',
  help: 'Age of the oldest log entry the collector read and the store has not acknowledged.',
  type: 'gauge',
  unit: 'seconds',
  labels: [],
  source: 'service',
  derivedFrom: 'Opsight collector (observability/logstore)',
});

export const collectorEntriesDroppedTotal = defineMetric({
  name: 'opsight_collector_entries_dropped_total',
  help: 'Log entries dropped for good (rejected by the store, or refused with 429 past the retry period), by reason.',
  type: 'counter',
  unit: 'lines',
  labels: ['reason'],
  source: 'service',
  derivedFrom: 'Opsight collector (observability/logstore)',
});

export const collectorLostBytesTotal = defineMetric({
  name: 'opsight_collector_lost_bytes_total',
  help: 'Unread bytes of log files deleted before the collector read them (a lower bound), by reason.',
  type: 'counter',
  unit: 'bytes',
  labels: ['reason'],
  source: 'service',
  derivedFrom: 'Opsight collector (observability/logstore)',
  note: 'reason="rotated_away": the collector was down longer than rotated files are kept; only bytes it had seen are counted.',
});

export const collectorTruncationsTotal = defineMetric({
  name: 'opsight_collector_truncations_total',
  help: 'Log files found truncated or rewritten in place (copy-truncate rotation), read again from 0.',
  type: 'counter',
  unit: '1',
  labels: [],
  source: 'service',
  derivedFrom: 'Opsight collector (observability/logstore)',
});

export const prometheusRuleEvaluationFailuresTotal = defineMetric({
  name: 'prometheus_rule_evaluation_failures_total',
  help: 'Rule evaluations that failed.',
  type: 'counter',
  unit: '1',
  labels: ['rule_group'],
  source: 'exporter',
  derivedFrom: 'Prometheus itself',
});

export const prometheusNotificationsDroppedTotal = defineMetric({
  name: 'prometheus_notifications_dropped_total',
  help: 'Alerts dropped because of an error sending them to Alertmanager.',
  type: 'counter',
  unit: '1',
  labels: [],
  source: 'exporter',
  derivedFrom: 'Prometheus itself',
});
