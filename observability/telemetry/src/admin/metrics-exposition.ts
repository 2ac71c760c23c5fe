import { type Exposition, OPENMETRICS_TEXT, PROMETHEUS_TEXT, toPrometheusText } from '../metrics/registry.js';

/** A registry that renders itself for an `Accept` header, as the SDK's `MetricsRegistry` does. */
export interface ExpositionRenderer {
  render(accept?: string): Promise<Exposition>;
}

/** A prom-client `Registry` (either content type), or anything shaped like one. */
export interface PromRegistryLike {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/** Where an admin server's `/metrics` answer comes from. */
export type MetricsSource = ExpositionRenderer | PromRegistryLike;

const OPENMETRICS = 'application/openmetrics-text';
const EOF = '# EOF\n';

function isRenderer(source: MetricsSource): source is ExpositionRenderer {
  return typeof (source as ExpositionRenderer).render === 'function';
}

async function renderOne(source: MetricsSource, accept: string | undefined): Promise<Exposition> {
  if (isRenderer(source)) return source.render(accept);
  return { contentType: source.contentType, body: await source.metrics() };
}

/**
 * Renders one or several sources as one exposition. OpenMetrics when `accept` asks for it and every source
 * answered in it (one `# EOF` at the end); otherwise the Prometheus text format, OpenMetrics answers
 * converted. A single source's answer is passed through as it is.
 */
export async function renderExposition(
  sources: readonly MetricsSource[],
  accept: string | undefined,
): Promise<Exposition> {
  const parts = await Promise.all(sources.map((s) => renderOne(s, accept)));
  const wantsOpenMetrics = accept?.includes(OPENMETRICS) ?? false;
  const isOpenMetrics = (e: Exposition) => e.contentType.startsWith(OPENMETRICS);
  if (parts.length === 1) {
    const only = parts[0]!;
    if (wantsOpenMetrics || !isOpenMetrics(only)) return only;
  }
  if (wantsOpenMetrics && parts.every(isOpenMetrics)) {
    const body = parts.map((p) => (p.body.endsWith(EOF) ? p.body.slice(0, -EOF.length) : p.body)).join('');
    return { contentType: OPENMETRICS_TEXT, body: `${body}${EOF}` };
  }
  const body = parts.map((p) => (isOpenMetrics(p) ? toPrometheusText(p.body) : p.body)).join('');
  return { contentType: PROMETHEUS_TEXT, body };
}
