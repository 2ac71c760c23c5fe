/** Prometheus metric types used by the catalog. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * Who produces a series.
 * - `telemetry-sdk`: emitted by `@opsight/telemetry` itself (HTTP, gRPC, inference, self-metrics).
 * - `service`: emitted by a service through the SDK's registry with a catalog definition.
 * - `gateway-telemetry`: derived from nginx's access log by the gateway-telemetry sidecar.
 * - `exporter`: scraped from a third-party exporter (postgres_exporter, redis_exporter, DCGM).
 * - `kubernetes`: cAdvisor / kube-state-metrics in a cluster; the local supervisor exports the same names.
 * - `recording-rule`: produced by a Prometheus recording rule from the series named in `derivedFrom`.
 */
export type MetricSource =
  | 'telemetry-sdk'
  | 'service'
  | 'gateway-telemetry'
  | 'exporter'
  | 'kubernetes'
  | 'recording-rule';

/** One metric family of the contract. `L` is the union of its label names. */
export interface MetricDefinition<L extends string = string> {
  /** Full family name as it appears in queries (counters end in `_total`). */
  readonly name: string;
  /** HELP text. */
  readonly help: string;
  readonly type: MetricType;
  /** Base unit: `seconds`, `bytes`, `tokens`, `requests`, `ratio`, `percent`, `timestamp`, `1`. */
  readonly unit: string;
  /** Label names, in exposition order. */
  readonly labels: readonly L[];
  /** Histogram bucket upper bounds (histograms only). */
  readonly buckets?: readonly number[];
  readonly source: MetricSource;
  /** For `recording-rule` and `exporter` metrics: the real series this name comes from. */
  readonly derivedFrom?: string;
  /** Anything a reader needs to use the metric correctly. */
  readonly note?: string;
}

/** Declares a metric with its label names as a literal type. */
export function defineMetric<const L extends string>(definition: MetricDefinition<L>): MetricDefinition<L> {
  return Object.freeze({ ...definition, labels: Object.freeze([...definition.labels]) });
}
