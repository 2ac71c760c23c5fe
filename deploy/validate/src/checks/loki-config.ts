/**
 * Checks a Loki 3 configuration for what Opsight relies on and what Loki refuses to start without:
 * the newest schema period is v13 on the tsdb index (structured metadata needs chunk format V4),
 * tsdb_shipper has its directories, structured metadata is allowed, compactor retention has a
 * delete_request_store and a retention period, the object store named by the schema is configured,
 * and a memberlist ring has members to join. Security: auth_enabled is true (every request names its
 * tenant; without it Loki serves everyone as the one tenant "fake"). The ruler: rules from a local
 * directory, alerts to an Alertmanager, recorded series by remote write to at least one client.
 */
import { isObject, type JsonObject } from '../kustomize/strategic-merge.js';

const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});

/** Problems of a Loki configuration; empty when it fits. */
export function lokiConfigProblems(config: JsonObject): string[] {
  const problems: string[] = [];
  if (config.auth_enabled !== true) problems.push('auth_enabled is not true');
  if (typeof obj(config.server).http_listen_port !== 'number')
    problems.push('server.http_listen_port is not set');
  const periods = Array.isArray(obj(config.schema_config).configs)
    ? (obj(config.schema_config).configs as JsonObject[])
    : [];
  const latest = periods.at(-1);
  if (!latest) problems.push('schema_config.configs is empty');
  else {
    if (latest.schema !== 'v13') problems.push(`the newest schema is ${String(latest.schema)}, not v13`);
    if (latest.store !== 'tsdb')
      problems.push(`the newest schema's store is ${String(latest.store)}, not tsdb`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(String(latest.from)))
      problems.push('the newest schema has no from date (YYYY-MM-DD)');
    const store = String(latest.object_store);
    const common = obj(obj(config.common).storage);
    if (!(store in common) && !(store in obj(config.storage_config)))
      problems.push(`object_store ${store} is configured neither in common.storage nor storage_config`);
  }
  const tsdb = obj(obj(config.storage_config).tsdb_shipper);
  for (const key of ['active_index_directory', 'cache_location'])
    if (typeof tsdb[key] !== 'string') problems.push(`storage_config.tsdb_shipper.${key} is not set`);
  const limits = obj(config.limits_config);
  if (limits.allow_structured_metadata !== true)
    problems.push('limits_config.allow_structured_metadata is not true');
  const compactor = obj(config.compactor);
  if (compactor.retention_enabled === true) {
    if (typeof compactor.delete_request_store !== 'string')
      problems.push('compactor.retention_enabled needs compactor.delete_request_store');
    if (typeof limits.retention_period !== 'string')
      problems.push('retention is enabled but limits_config.retention_period is not set');
  }
  if (obj(obj(obj(config.common).ring).kvstore).store === 'memberlist') {
    const members = obj(config.memberlist).join_members;
    if (!Array.isArray(members) || members.length === 0)
      problems.push('memberlist ring without memberlist.join_members');
  }
  const ruler = obj(config.ruler);
  if (!isObject(config.ruler)) problems.push('ruler is not configured (the log-based rules)');
  else {
    const storage = obj(ruler.storage);
    if (storage.type !== 'local' || typeof obj(storage.local).directory !== 'string')
      problems.push('ruler.storage is not a local directory (the generated rule files)');
    if (typeof ruler.alertmanager_url !== 'string') problems.push('ruler.alertmanager_url is not set');
    const remote = obj(ruler.remote_write);
    const clients = Object.values(obj(remote.clients));
    if (
      remote.enabled !== true ||
      clients.length === 0 ||
      clients.some((c) => typeof obj(c).url !== 'string')
    )
      problems.push('ruler.remote_write is not enabled with a client url (recording rules to Prometheus)');
  }
  return problems;
}
