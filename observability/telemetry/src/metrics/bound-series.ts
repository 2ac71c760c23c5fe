// Series whose label set is fixed when they are bound, so that a hot path updates them without prom-client
// hashing and validating the label object on every call (sorting label names, joining strings, a lookup
// by that string). A bound series holds the metric's own entry for its labels and adds to it; when the
// entry is no longer the metric's (the metric was reset), the next update goes through prom-client again
// and binds the new entry. The exposition is the same as with unbound updates.
import { type SpanContext, TraceFlags } from '@opentelemetry/api';
import type { Counter, Histogram, LabelValues } from 'prom-client';

/** One counter series: its labels fixed. */
export interface BoundCounter {
  /** Adds `value` (default 1). */
  inc(value?: number): void;
}

/** One histogram series (of a histogram with exemplars): its labels fixed. */
export interface BoundHistogram {
  /** Observes `value`, with a `trace_id` exemplar when `spanContext` is sampled. */
  observe(value: number, spanContext?: SpanContext): void;
}

// The parts of prom-client's metrics a bound series updates (prom-client 15).
interface CounterEntry {
  value: number;
}
interface HistogramEntry {
  labels: Record<string, unknown>;
  sum: number;
  count: number;
  bucketValues: Record<number, number>;
  bucketExemplars?: Record<number, { labelSet: object; value: number; timestamp: number } | null>;
}
interface Internals<E> {
  hashMap: Record<string, E>;
  upperBounds?: number[];
  labelNames: string[];
}

/** Binds `labels` of `counter`; the counter must have been created without exemplars. */
export function bindCounter<L extends string>(counter: Counter<L>, labels: LabelValues<L>): BoundCounter {
  const metric = counter as unknown as Internals<CounterEntry> & {
    inc(labels: object, value: number): { labelHash: string };
  };
  let hash: string | undefined;
  let entry: CounterEntry | undefined;
  return {
    inc(value = 1) {
      if (entry !== undefined && metric.hashMap[hash!] === entry && value >= 0 && Number.isFinite(value)) {
        entry.value += value;
        return;
      }
      hash = metric.inc(labels, value).labelHash;
      entry = metric.hashMap[hash];
    },
  };
}

/** Binds `labels` of `histogram`, a histogram created with exemplars (`MetricsRegistry.histogram`). */
export function bindHistogram<L extends string>(
  histogram: Histogram<L>,
  labels: LabelValues<L>,
): BoundHistogram {
  const metric = histogram as unknown as Internals<HistogramEntry>;
  const bounds = metric.upperBounds ?? [];
  let key: string | undefined;
  let entry: HistogramEntry | undefined;
  const slow = (value: number, traceId: string | undefined): void => {
    const exemplarLabels = traceId === undefined ? {} : { trace_id: traceId };
    histogram.observe({ labels, value, exemplarLabels: exemplarLabels as LabelValues<L> });
    key = undefined;
    entry = undefined;
    for (const [k, e] of Object.entries(metric.hashMap)) {
      if (metric.labelNames.every((name) => e.labels[name] === (labels as Record<string, unknown>)[name])) {
        key = k;
        entry = e;
        break;
      }
    }
  };
  return {
    observe(value, spanContext) {
      const traceId =
        spanContext !== undefined && (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0
          ? spanContext.traceId
          : undefined;
      const current = entry;
      if (current === undefined || metric.hashMap[key!] !== current || !Number.isFinite(value)) {
        slow(value, traceId);
        return;
      }
      let bound = -1;
      for (let i = 0; i < bounds.length; i++) {
        if (value <= bounds[i]!) {
          bound = bounds[i]!;
          break;
        }
      }
      if (traceId !== undefined) {
        const exemplar = current.bucketExemplars?.[bound];
        if (!exemplar) {
          slow(value, traceId); // prom-client creates the bucket's exemplar
          return;
        }
        exemplar.labelSet = { trace_id: traceId };
        exemplar.value = value;
        exemplar.timestamp = Date.now() / 1000;
      }
      current.sum += value;
      current.count += 1;
      if (Object.hasOwn(current.bucketValues, bound)) current.bucketValues[bound]! += 1;
    },
  };
}
