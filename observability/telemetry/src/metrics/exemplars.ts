import { type SpanContext, TraceFlags } from '@opentelemetry/api';
import type { Histogram, LabelValues } from 'prom-client';

const NONE = {};

/**
 * Observes `value` on a histogram created by `MetricsRegistry.histogram` (exemplars enabled), with a
 * `trace_id` exemplar when `spanContext` is sampled, so a latency bucket links to a trace.
 */
export function observeWithTrace<L extends string>(
  histogram: Histogram<L>,
  labels: LabelValues<L>,
  value: number,
  spanContext: SpanContext | undefined,
): void {
  const exemplarLabels =
    spanContext && spanContext.traceFlags & TraceFlags.SAMPLED ? { trace_id: spanContext.traceId } : NONE;
  // prom-client types exemplar labels as the metric's own label names; any names are valid at run time.
  histogram.observe({ labels, value, exemplarLabels: exemplarLabels as LabelValues<L> });
}
