/**
 * Checks a Promtail configuration: server port, positions file, at least one client with a push URL,
 * scrape jobs with unique names and a __path__ target, and pipeline stages Promtail knows. Every field
 * a labels or structured_metadata stage takes from the extracted map must be extracted by an earlier
 * json stage (or be set from discovery), otherwise the label is silently empty.
 */
import { isObject, type JsonObject } from '../kustomize/strategic-merge.js';

const STAGES = new Set([
  'cri',
  'docker',
  'json',
  'logfmt',
  'regex',
  'replace',
  'template',
  'labels',
  'labelallow',
  'labeldrop',
  'static_labels',
  'structured_metadata',
  'timestamp',
  'output',
  'match',
  'drop',
  'limit',
  'metrics',
  'multiline',
  'pack',
  'tenant',
  'decolorize',
  'sampling',
  'geoip',
  'eventlogmessage',
]);

const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});
const arr = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** Problems of a Promtail configuration; empty when it fits. */
export function promtailConfigProblems(config: JsonObject): string[] {
  const problems: string[] = [];
  if (typeof obj(config.server).http_listen_port !== 'number')
    problems.push('server.http_listen_port is not set');
  if (typeof obj(config.positions).filename !== 'string') problems.push('positions.filename is not set');
  const clients = arr(config.clients);
  if (clients.length === 0) problems.push('no clients');
  for (const c of clients)
    if (!/^https?:\/\/.+\/loki\/api\/v1\/push$/.test(String(c.url)))
      problems.push(`client url ${String(c.url)} is not a Loki push URL`);
  for (const c of clients)
    if (typeof c.tenant_id !== 'string' || c.tenant_id === '')
      problems.push(`client ${String(c.url)} has no tenant_id (Loki runs with auth_enabled)`);
  const jobs = new Set<string>();
  for (const job of arr(config.scrape_configs)) {
    const name = String(job.job_name);
    if (jobs.has(name)) problems.push(`job ${name} is defined twice`);
    jobs.add(name);
    if (
      !arr(job.relabel_configs).some((r) => r.target_label === '__path__') &&
      job.static_configs === undefined
    )
      problems.push(`job ${name}: no relabel rule sets __path__`);
    const extracted = new Set<string>();
    for (const stage of arr(job.pipeline_stages)) {
      const keys = Object.keys(stage);
      if (keys.length !== 1 || !STAGES.has(keys[0]!)) {
        problems.push(`job ${name}: unknown stage ${keys.join(',')}`);
        continue;
      }
      const kind = keys[0]!;
      const body = obj(stage[kind]);
      if (kind === 'json' || kind === 'regex' || kind === 'logfmt')
        for (const k of Object.keys(obj(body.expressions ?? body.mapping))) extracted.add(k);
      if (kind === 'labels' || kind === 'structured_metadata')
        for (const [k, v] of Object.entries(body)) {
          const source = typeof v === 'string' && v !== '' ? v : k;
          if (!extracted.has(source))
            problems.push(`job ${name}: ${kind} uses ${source}, which no earlier stage extracts`);
        }
      if (kind === 'timestamp' && !extracted.has(String(body.source)))
        problems.push(`job ${name}: timestamp source ${String(body.source)} is not extracted`);
    }
  }
  if (jobs.size === 0) problems.push('no scrape_configs');
  return problems;
}
