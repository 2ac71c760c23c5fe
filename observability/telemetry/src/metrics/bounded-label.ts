import type { Counter } from 'prom-client';

/** Maps a label value into a bounded set. */
export type LabelMapper = (value: string | undefined | null) => string;

/**
 * A mapper that keeps values of `allowed` and turns anything else into `fallback`, counting each mapping
 * in `opsight_telemetry_label_values_mapped_total{metric,label}`, so an unexpected value never creates a
 * series.
 */
export function boundedLabel(
  allowed: Iterable<string>,
  fallback: string,
  mapped?: { counter: Counter<'metric' | 'label'>; metric: string; label: string },
): LabelMapper {
  const set = new Set(allowed);
  const labels = mapped ? { metric: mapped.metric, label: mapped.label } : undefined;
  return (value) => {
    if (value != null && set.has(value)) return value;
    if (mapped && labels) mapped.counter.inc(labels);
    return fallback;
  };
}
