// The store's own metrics, defined in the catalog (observability/catalog/src/metrics/logstore.ts):
// Loki's names where Loki has the same metric.
import {
  logstoreQueriesStoppedTotal,
  logstoreQueryRefusalsTotal,
  logstoreRetentionBudgetBytes,
  logstoreRetentionDeletedEntriesTotal,
  logstoreRetentionEvictedBytesTotal,
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

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
