/**
 * Checks an OpenTelemetry Collector (or Jaeger v2, which is a Collector distribution) configuration the
 * way the Collector validates it at start-up: every component a pipeline names is defined (a
 * connector counts as an exporter in one pipeline and a receiver in another, and must be both), every
 * pipeline has a receiver and an exporter, pipeline ids are `traces|metrics|logs[/name]`, enabled
 * extensions are defined, and tail_sampling policies name a known type with its settings block.
 * Jaeger's storage extensions must reference backends that exist.
 */
import { isObject, type JsonObject } from '../kustomize/strategic-merge.js';

const SIGNALS = new Set(['traces', 'metrics', 'logs']);
const TAIL_POLICY_TYPES = new Set([
  'always_sample',
  'latency',
  'numeric_attribute',
  'probabilistic',
  'status_code',
  'string_attribute',
  'rate_limiting',
  'span_count',
  'trace_state',
  'boolean_attribute',
  'ottl_condition',
  'and',
  'composite',
  'drop',
]);
const JAEGER_BACKENDS = new Set([
  'memory',
  'badger',
  'elasticsearch',
  'opensearch',
  'cassandra',
  'grpc',
  'clickhouse',
]);

const section = (config: JsonObject, key: string): JsonObject => (isObject(config[key]) ? config[key] : {});
const names = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** Problems of a Collector configuration; empty when it would load. */
export function collectorConfigProblems(config: JsonObject): string[] {
  const problems: string[] = [];
  const receivers = section(config, 'receivers');
  const processors = section(config, 'processors');
  const exporters = section(config, 'exporters');
  const connectors = section(config, 'connectors');
  const extensions = section(config, 'extensions');
  const service = section(config, 'service');
  const pipelines = section(service, 'pipelines');
  if (Object.keys(pipelines).length === 0) problems.push('service.pipelines is empty');
  for (const ext of names(service.extensions))
    if (!(ext in extensions)) problems.push(`service.extensions: ${ext} is not defined under extensions`);
  const connectorAs = new Map<string, { receiver: boolean; exporter: boolean }>();
  for (const [id, raw] of Object.entries(pipelines)) {
    const pipeline = isObject(raw) ? raw : {};
    if (!SIGNALS.has(id.split('/')[0]!))
      problems.push(`pipeline ${id}: the id must start with traces, metrics or logs`);
    const rs = names(pipeline.receivers);
    const es = names(pipeline.exporters);
    if (rs.length === 0) problems.push(`pipeline ${id}: no receivers`);
    if (es.length === 0) problems.push(`pipeline ${id}: no exporters`);
    for (const r of rs) {
      if (r in connectors)
        connectorAs.set(r, { ...(connectorAs.get(r) ?? { exporter: false }), receiver: true });
      else if (!(r in receivers)) problems.push(`pipeline ${id}: receiver ${r} is not defined`);
    }
    for (const p of names(pipeline.processors))
      if (!(p in processors)) problems.push(`pipeline ${id}: processor ${p} is not defined`);
    for (const e of es) {
      if (e in connectors)
        connectorAs.set(e, { ...(connectorAs.get(e) ?? { receiver: false }), exporter: true });
      else if (!(e in exporters)) problems.push(`pipeline ${id}: exporter ${e} is not defined`);
    }
  }
  for (const c of Object.keys(connectors)) {
    const use = connectorAs.get(c);
    if (!use?.receiver || !use.exporter)
      problems.push(`connector ${c} must be an exporter in one pipeline and a receiver in another`);
  }
  for (const [id, raw] of Object.entries(processors)) {
    if (id.split('/')[0] !== 'tail_sampling' || !isObject(raw)) continue;
    const policies = Array.isArray(raw.policies) ? raw.policies : [];
    if (policies.length === 0) problems.push(`${id}: no policies`);
    for (const policy of policies) {
      const p = isObject(policy) ? policy : {};
      const type = String(p.type);
      if (typeof p.name !== 'string') problems.push(`${id}: a policy has no name`);
      if (!TAIL_POLICY_TYPES.has(type))
        problems.push(`${id}: policy ${String(p.name)} has unknown type ${type}`);
      else if (type !== 'always_sample' && !isObject(p[type]))
        problems.push(`${id}: policy ${String(p.name)} lacks its ${type} settings`);
    }
  }
  const storage = section(extensions, 'jaeger_storage');
  if ('jaeger_storage' in extensions || 'jaeger_query' in extensions) {
    const backends = section(storage, 'backends');
    if (Object.keys(backends).length === 0) problems.push('jaeger_storage.backends is empty');
    for (const [name, raw] of Object.entries(backends)) {
      const kinds = Object.keys(isObject(raw) ? raw : {});
      if (kinds.length !== 1 || !JAEGER_BACKENDS.has(kinds[0]!))
        problems.push(`jaeger_storage backend ${name} must name exactly one storage type`);
      const badger = isObject(raw) && isObject(raw.badger) ? raw.badger : undefined;
      if (badger && badger.ephemeral === false) {
        const dirs = isObject(badger.directories) ? badger.directories : {};
        if (typeof dirs.keys !== 'string' || typeof dirs.values !== 'string')
          problems.push(
            `jaeger_storage backend ${name}: persistent badger needs directories.keys and directories.values`,
          );
      }
    }
    const traces = section(section(extensions, 'jaeger_query'), 'storage').traces;
    if ('jaeger_query' in extensions && !(String(traces) in backends))
      problems.push(`jaeger_query.storage.traces ${String(traces)} is not a jaeger_storage backend`);
    for (const [id, raw] of Object.entries(exporters)) {
      if (id.split('/')[0] !== 'jaeger_storage_exporter') continue;
      const target = isObject(raw) ? raw.trace_storage : undefined;
      if (!(String(target) in backends))
        problems.push(`${id}.trace_storage ${String(target)} is not a jaeger_storage backend`);
    }
  }
  return problems;
}
