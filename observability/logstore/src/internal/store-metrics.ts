// The store's own metrics, defined in the catalog (observability/catalog/src/metrics/logstore.ts):
// Loki's names where Loki has the same metric.
import {
  logstoreQueriesStoppedTotal,
  logstoreQueryRefusalsTotal,
  logstoreRetentionBudgetBytes,
  logstoreRetentionDeletedEntriesTotal,
  logstoreRetentionEvictedBytesTotal,
  logstoreRulerRemoteWriteSamplesTotal,
  logstoreSealedEntriesTotal,
  logstoreStorageBytes,
  logstoreStorageFull,
  logstoreWriteFailuresTotal,
  lokiDiscardedSamplesTotal,
  lokiDistributorBytesReceivedTotal,
  lokiDistributorLinesReceivedTotal,
  lokiIngesterMemoryStreams,
  lokiMutatedBytesTotal,
  lokiMutatedSamplesTotal,
  lokiPrometheusNotificationsDroppedTotal,
  lokiPrometheusNotificationsErrorsTotal,
  lokiPrometheusNotificationsQueueLength,
  lokiPrometheusNotificationsSentTotal,
  lokiPrometheusRuleEvaluationFailuresTotal,
  lokiPrometheusRuleEvaluationsTotal,
  lokiPrometheusRuleGroupIntervalSeconds,
  lokiPrometheusRuleGroupIterationsMissedTotal,
  lokiPrometheusRuleGroupLastDurationSeconds,
  lokiPrometheusRuleGroupLastEvaluationTimestampSeconds,
  lokiPrometheusRuleGroupRules,
  lokiRequestDurationSeconds,
  type MetricDefinition,
} from '@opsight/catalog';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export class StoreMetrics {
  readonly registry = new Registry();
  private def<L extends string>(m: MetricDefinition<L>) {
    return {
      name: m.name,
      help: m.help,
      labelNames: [...m.labels] as L[],
      registers: [this.registry],
    };
  }
  readonly linesReceived = new Counter(this.def(lokiDistributorLinesReceivedTotal));
  readonly bytesReceived = new Counter(this.def(lokiDistributorBytesReceivedTotal));
  readonly discarded = new Counter(this.def(lokiDiscardedSamplesTotal));
  readonly mutatedSamples = new Counter(this.def(lokiMutatedSamplesTotal));
  readonly mutatedBytes = new Counter(this.def(lokiMutatedBytesTotal));
  readonly requestDuration = new Histogram({
    ...this.def(lokiRequestDurationSeconds),
    buckets: [...(lokiRequestDurationSeconds.buckets ?? [])],
  });
  readonly streams = new Gauge(this.def(lokiIngesterMemoryStreams));
  readonly storageBytes = new Gauge(this.def(logstoreStorageBytes));
  readonly sealedEntries = new Counter(this.def(logstoreSealedEntriesTotal));
  readonly retentionDeleted = new Counter(this.def(logstoreRetentionDeletedEntriesTotal));
  readonly retentionBudget = new Gauge(this.def(logstoreRetentionBudgetBytes));
  readonly retentionEvictedBytes = new Counter(this.def(logstoreRetentionEvictedBytesTotal));
  readonly writeFailures = new Counter(this.def(logstoreWriteFailuresTotal));
  readonly storageFull = new Gauge(this.def(logstoreStorageFull));
  readonly queryRefusals = new Counter(this.def(logstoreQueryRefusalsTotal));
  readonly queriesStopped = new Counter(this.def(logstoreQueriesStoppedTotal));
  // The ruler's.
  readonly ruleEvaluations = new Counter(this.def(lokiPrometheusRuleEvaluationsTotal));
  readonly ruleEvaluationFailures = new Counter(this.def(lokiPrometheusRuleEvaluationFailuresTotal));
  readonly ruleGroupLastDuration = new Gauge(this.def(lokiPrometheusRuleGroupLastDurationSeconds));
  readonly ruleGroupLastEvaluation = new Gauge(
    this.def(lokiPrometheusRuleGroupLastEvaluationTimestampSeconds),
  );
  readonly ruleGroupInterval = new Gauge(this.def(lokiPrometheusRuleGroupIntervalSeconds));
  readonly ruleGroupIterationsMissed = new Counter(this.def(lokiPrometheusRuleGroupIterationsMissedTotal));
  readonly ruleGroupRules = new Gauge(this.def(lokiPrometheusRuleGroupRules));
  readonly notificationsSent = new Counter(this.def(lokiPrometheusNotificationsSentTotal));
  readonly notificationsErrors = new Counter(this.def(lokiPrometheusNotificationsErrorsTotal));
  readonly notificationsDropped = new Counter(this.def(lokiPrometheusNotificationsDroppedTotal));
  readonly notificationsQueueLength = new Gauge(this.def(lokiPrometheusNotificationsQueueLength));
  readonly remoteWriteSamples = new Counter(this.def(logstoreRulerRemoteWriteSamplesTotal));

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
