import {
  telemetryErrorsTotal,
  telemetryLabelValuesMappedTotal,
  telemetryLogWriteFailuresTotal,
  telemetrySpanExportRetriesTotal,
  telemetrySpansDroppedTotal,
  telemetrySpansExportedTotal,
} from '@opsight/catalog';
import type { Counter } from 'prom-client';
import type { MetricsRegistry } from './registry.js';

/** The SDK's own health counters. */
export interface SelfMetrics {
  readonly spansDropped: Counter<'reason'>;
  readonly spansExported: Counter;
  readonly spanExportRetries: Counter;
  readonly logWriteFailures: Counter;
  readonly labelValuesMapped: Counter<'metric' | 'label'>;
  readonly errors: Counter<'component'>;
}

export function createSelfMetrics(registry: MetricsRegistry): SelfMetrics {
  const self: SelfMetrics = {
    spansDropped: registry.counter(telemetrySpansDroppedTotal),
    spansExported: registry.counter(telemetrySpansExportedTotal),
    spanExportRetries: registry.counter(telemetrySpanExportRetriesTotal),
    logWriteFailures: registry.counter(telemetryLogWriteFailuresTotal),
    labelValuesMapped: registry.counter(telemetryLabelValuesMappedTotal),
    errors: registry.counter(telemetryErrorsTotal),
  };
  // Present from the start, so a rate() over them works before the first failure.
  self.spansDropped.inc({ reason: 'queue_full' }, 0);
  self.spansDropped.inc({ reason: 'export_failed' }, 0);
  self.spansDropped.inc({ reason: 'retries_exhausted' }, 0);
  self.spanExportRetries.inc(0);
  self.spansExported.inc(0);
  self.logWriteFailures.inc(0);
  return self;
}
