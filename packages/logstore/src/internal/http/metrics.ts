// The store's own metrics, named like Loki's where Loki has the same metric.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export class StoreMetrics {
  readonly registry = new Registry();
  readonly linesReceived = new Counter({
    name: 'loki_distributor_lines_received_total',
    help: 'Log lines received by the push API, by tenant.',
    labelNames: ['tenant'],
    registers: [this.registry],
  });
  readonly bytesReceived = new Counter({
    name: 'loki_distributor_bytes_received_total',
    help: 'Bytes of log lines received by the push API, by tenant.',
    labelNames: ['tenant'],
    registers: [this.registry],
  });
  readonly discarded = new Counter({
    name: 'loki_discarded_samples_total',
    help: 'Log lines rejected, by reason (Loki reason names) and tenant.',
    labelNames: ['reason', 'tenant'],
    registers: [this.registry],
  });
  readonly mutatedSamples = new Counter({
    name: 'loki_mutated_samples_total',
    help: 'Log lines changed before storing (line_too_long: truncated to max_line_size), by reason and tenant.',
    labelNames: ['reason', 'tenant'],
    registers: [this.registry],
  });
  readonly mutatedBytes = new Counter({
    name: 'loki_mutated_bytes_total',
    help: 'Bytes removed from log lines before storing, by reason and tenant.',
    labelNames: ['reason', 'tenant'],
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'loki_request_duration_seconds',
    help: 'HTTP request duration by route and status code.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly streams = new Gauge({
    name: 'loki_ingester_memory_streams',
    help: 'Active streams (an entry within chunk_idle_period), by tenant.',
    labelNames: ['tenant'],
    registers: [this.registry],
  });
  readonly storageBytes = new Gauge({
    name: 'opsight_logstore_storage_bytes',
    help: 'Bytes of database pages in use.',
    registers: [this.registry],
  });
  readonly sealedEntries = new Counter({
    name: 'opsight_logstore_sealed_entries_total',
    help: 'Entries sealed into compressed chunks.',
    registers: [this.registry],
  });
  readonly retentionDeleted = new Counter({
    name: 'opsight_logstore_retention_deleted_entries_total',
    help: 'Entries deleted by retention (age or size).',
    registers: [this.registry],
  });

  readonly retentionBudget = new Gauge({
    name: 'opsight_logstore_retention_budget_bytes',
    help: 'Size budget of the database (--retention-bytes); 0 when unbounded.',
    registers: [this.registry],
  });
  readonly retentionEvictedBytes = new Counter({
    name: 'opsight_logstore_retention_evicted_bytes_total',
    help: 'Bytes of database pages freed by retention (age or size).',
    registers: [this.registry],
  });
  readonly writeFailures = new Counter({
    name: 'opsight_logstore_write_failures_total',
    help: 'Writes that failed and were rolled back, by operation and error code (STORAGE_FULL, STORAGE_IO_ERROR).',
    labelNames: ['operation', 'code'],
    registers: [this.registry],
  });
  readonly storageFull = new Gauge({
    name: 'opsight_logstore_storage_full',
    help: '1 while the last push failed because the disk is full, else 0.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
