import { defineMetric } from '../metric-definition.js';

export const telemetrySpansDroppedTotal = defineMetric({
  name: 'opsight_telemetry_spans_dropped_total',
  help: 'Finished spans that were never delivered to the trace backend, by reason.',
  type: 'counter',
  unit: 'spans',
  labels: ['reason'],
  source: 'telemetry-sdk',
  note: '`reason` is one of SPAN_DROP_REASONS: `queue_full` (the bounded export queue was full), `export_failed` (the backend refused the batch for good: a non-retryable status), `retries_exhausted` (retryable failures, 429/502/503/504 or network errors, for longer than the retry window).',
});

export const telemetrySpanExportRetriesTotal = defineMetric({
  name: 'opsight_telemetry_span_export_retries_total',
  help: 'Span export attempts that failed with a retryable error (429, 502, 503, 504, network) and were scheduled again with back-off.',
  type: 'counter',
  unit: 'requests',
  labels: [],
  source: 'telemetry-sdk',
  note: 'Rising while `opsight_telemetry_spans_exported_total` is flat: the trace backend is refusing or unreachable and spans are held in the bounded queue.',
});

export const telemetrySpansExportedTotal = defineMetric({
  name: 'opsight_telemetry_spans_exported_total',
  help: 'Spans delivered to the trace backend.',
  type: 'counter',
  unit: 'spans',
  labels: [],
  source: 'telemetry-sdk',
});

export const telemetryLogWriteFailuresTotal = defineMetric({
  name: 'opsight_telemetry_log_write_failures_total',
  help: 'Log lines that could not be written to the log destination.',
  type: 'counter',
  unit: 'lines',
  labels: [],
  source: 'telemetry-sdk',
});

export const telemetryLabelValuesMappedTotal = defineMetric({
  name: 'opsight_telemetry_label_values_mapped_total',
  help: 'Label values outside their bounded set that were mapped to a catch-all value instead of creating a series.',
  type: 'counter',
  unit: '1',
  labels: ['metric', 'label'],
  source: 'telemetry-sdk',
});

export const telemetryErrorsTotal = defineMetric({
  name: 'opsight_telemetry_errors_total',
  help: 'Errors inside the telemetry SDK itself (export, instrumentation), by component.',
  type: 'counter',
  unit: '1',
  labels: ['component'],
  source: 'telemetry-sdk',
  note: 'The SDK logs its own errors at most once per interval per component; this counter counts each one.',
});
