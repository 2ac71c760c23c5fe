import type { MetricDefinition } from '@opsight/catalog';
import {
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  type OpenMetricsContentType,
  Registry,
} from 'prom-client';

/** Content types of the two exposition formats. */
export const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_TEXT = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** A rendered /metrics answer. */
export interface Exposition {
  readonly contentType: string;
  readonly body: string;
}

// A trailing exemplar on an OpenMetrics sample line: ` # {labels} value [timestamp]`.
const EXEMPLAR = / # \{[^}]*\} \S+(?: \S+)?$/gm;
const COUNTER_META = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*)( counter$| )/gm;

/**
 * The service's metric registry: prom-client in OpenMetrics mode (so histograms keep trace_id exemplars),
 * rendered as OpenMetrics for scrapers that ask for it (Prometheus does) and as the Prometheus text format
 * otherwise (curl, promtool), with the same series.
 */
export class MetricsRegistry {
  /** The underlying prom-client registry, for metrics a service defines itself. */
  readonly prom: Registry<OpenMetricsContentType>;
  readonly #metrics = new Map<string, Counter | Gauge | Histogram>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    this.prom = new Registry<OpenMetricsContentType>();
    this.prom.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    if (options.defaultMetrics ?? true) {
      collectDefaultMetrics({ register: this.prom });
      // Gauges whose names end in _total fail `promtool check metrics`; the same numbers are in
      // nodejs_active_handles / _requests / _resources, by type.
      for (const name of [
        'nodejs_active_handles_total',
        'nodejs_active_requests_total',
        'nodejs_active_resources_total',
      ]) {
        this.prom.removeSingleMetric(name);
      }
    }
  }

  /** Get-or-create a counter from its catalog definition. */
  counter<L extends string>(def: MetricDefinition<L>): Counter<L> {
    return this.#create(
      def,
      'counter',
      () =>
        new Counter<L>({ name: def.name, help: def.help, labelNames: def.labels, registers: [this.prom] }),
    ) as Counter<L>;
  }

  /** Get-or-create a gauge from its catalog definition. */
  gauge<L extends string>(def: MetricDefinition<L>): Gauge<L> {
    return this.#create(
      def,
      'gauge',
      () => new Gauge<L>({ name: def.name, help: def.help, labelNames: def.labels, registers: [this.prom] }),
    ) as Gauge<L>;
  }

  /** Get-or-create a histogram (with exemplars) from its catalog definition. */
  histogram<L extends string>(def: MetricDefinition<L>): Histogram<L> {
    return this.#create(
      def,
      'histogram',
      () =>
        new Histogram<L>({
          name: def.name,
          help: def.help,
          labelNames: def.labels,
          buckets: [...(def.buckets ?? [])],
          enableExemplars: true,
          registers: [this.prom],
        }),
    ) as Histogram<L>;
  }

  #create(
    def: MetricDefinition,
    type: string,
    make: () => Counter | Gauge | Histogram,
  ): Counter | Gauge | Histogram {
    if (def.type !== type) throw new Error(`${def.name} is a ${def.type}, not a ${type}`);
    let metric = this.#metrics.get(def.name);
    if (!metric) {
      metric = make();
      this.#metrics.set(def.name, metric);
    }
    return metric;
  }

  /**
   * Renders the exposition. OpenMetrics (with exemplars) when `accept` asks for
   * `application/openmetrics-text`, else the Prometheus text format 0.0.4.
   */
  async render(accept?: string): Promise<Exposition> {
    const body = await this.prom.metrics();
    if (accept?.includes('application/openmetrics-text')) return { contentType: OPENMETRICS_TEXT, body };
    return { contentType: PROMETHEUS_TEXT, body: toPrometheusText(body) };
  }
}

/**
 * Converts prom-client's OpenMetrics output to the Prometheus text format: exemplars and `# EOF` removed,
 * counter families named with their `_total` suffix as the text format expects.
 */
export function toPrometheusText(openMetrics: string): string {
  let text = openMetrics.replace(EXEMPLAR, '');
  if (text.endsWith('# EOF\n')) text = text.slice(0, -'# EOF\n'.length);
  const counters = new Set<string>();
  for (const m of text.matchAll(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) counter$/gm)) counters.add(m[1]!);
  if (counters.size === 0) return text;
  return text.replace(COUNTER_META, (line, kind: string, name: string, rest: string) =>
    counters.has(name) ? `# ${kind} ${name}_total${rest}` : line,
  );
}
