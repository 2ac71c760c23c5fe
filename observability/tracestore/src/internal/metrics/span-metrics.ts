// Span metrics computed on ingest, named as the OpenTelemetry Collector's spanmetrics connector names them
// when exported to Prometheus (namespace `traces.span.metrics`, duration unit seconds), so dashboards and
// alerts written for the connector work against the local store unchanged:
//   traces_span_metrics_calls_total{service_name, span_name, span_kind, status_code}
//   traces_span_metrics_duration_seconds{service_name, span_name, span_kind, status_code} (histogram)
// Errors are the calls with status_code="STATUS_CODE_ERROR", as with the connector. Only newly stored spans
// count, so a retried export is not counted twice.
import { Counter, Histogram, type Registry } from 'prom-client';
import type { IngestBatch, IngestSpan } from '../otlp/ingest-batch.js';
import { spanKindNames, statusCodeNames } from '../otlp/otlp-schema.js';

/** The connector's default histogram buckets (2 ms … 15 s), in seconds. */
export const spanMetricsBuckets = [
  0.002, 0.004, 0.006, 0.008, 0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.4, 2, 5, 10, 15,
];

const labelNames = ['service_name', 'span_name', 'span_kind', 'status_code'] as const;

export class SpanMetrics {
  private readonly calls: Counter<(typeof labelNames)[number]>;
  private readonly duration: Histogram<(typeof labelNames)[number]>;

  constructor(registry: Registry) {
    this.calls = new Counter({
      name: 'traces_span_metrics_calls_total',
      help: 'Spans received, by service, span name, span kind and status code.',
      labelNames,
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'traces_span_metrics_duration_seconds',
      help: 'Span durations, by service, span name, span kind and status code.',
      labelNames,
      buckets: spanMetricsBuckets,
      registers: [registry],
    });
  }

  /** Counts the newly stored spans of a batch: one label lookup per distinct series of the batch. */
  record(batch: IngestBatch, spans: IngestSpan[]): void {
    const series = new Map<string, IngestSpan[]>();
    for (const span of spans) {
      const key = `${span.resourceIndex}\0${span.name}\0${span.kind}\0${span.statusCode}`;
      const group = series.get(key);
      if (group) group.push(span);
      else series.set(key, [span]);
    }
    for (const group of series.values()) {
      const first = group[0]!;
      const labels = {
        service_name: batch.resources[first.resourceIndex]!.serviceName,
        span_name: first.name,
        span_kind: spanKindNames[first.kind] ?? 'SPAN_KIND_UNSPECIFIED',
        status_code: statusCodeNames[first.statusCode] ?? 'STATUS_CODE_UNSET',
      };
      this.calls.labels(labels).inc(group.length);
      const duration = this.duration.labels(labels);
      for (const span of group) duration.observe(Number(span.endNs - span.startNs) / 1e9);
    }
  }
}
