import { ADMIN_PATHS } from '@opsight/contracts/admin';
import { nodeBinary, type WorkloadDescriptor } from '@opsight/contracts/workload';
import { HTTP_GUARD_ENV } from '@opsight/http-guard';

/** The readiness path of the log store and of the collector, Loki's spelling. */
export const LOGSTORE_READY_PATH = '/ready';

/** How the log store runs: Loki's push and query API over local storage. Loki takes its place in a cluster. */
export const logstoreWorkload: WorkloadDescriptor = {
  name: 'logstore',
  namespace: 'monitoring',
  summary: 'Loki-compatible log store: push, LogQL, retention',
  binary: nodeBinary('@opsight/logstore', 'opsight-logstore', new URL('./bin/logstore.js', import.meta.url)),
  flags: {
    listen: { description: 'host:port to listen on', default: '127.0.0.1:3100' },
    'data-dir': { description: 'Data directory', default: 'var/data/logstore' },
    'retention-age': { description: 'Delete entries older than this (Go duration; 0: keep)', default: '0' },
    'retention-bytes': { description: 'Size budget: bytes, a size (2GB) or a share of the disk (10%)' },
    'retention-size': { description: 'Older name of --retention-bytes' },
    'auth-tokens-file': {
      description: 'Tenancy by token: one "<tenant> <token>" per line, re-read on change',
    },
    'auth-token-file': { description: 'One shared bearer token (older; not with --auth-tokens-file)' },
    'require-tenant': { description: 'Refuse requests without X-Scope-OrgID' },
    sync: { description: 'SQLite synchronous mode: normal or full', default: 'normal' },
    'seal-interval': { description: 'How often open chunks are sealed (Go duration)', default: '30s' },
    'stream-idle-period': { description: "Loki's chunk_idle_period (Go duration)", default: '30m' },
    limit: { description: 'A per-tenant limit, name=value', multiple: true },
    'sqlite-driver': { description: 'better-sqlite3 or node:sqlite' },
    'query-workers': {
      description:
        'Worker threads that run queries (default: cores less one, at least 1; 0: the main thread)',
    },
    'rules-dir': { description: 'Turns the ruler on: rule groups as <dir>/<tenant>/<namespace>.yaml' },
    'ruler-evaluation-interval': {
      description: 'Interval of rule groups that set none (Go duration)',
      default: '1m',
    },
    'ruler-alertmanager-url': { description: 'Alertmanager base URLs for alerts, comma-separated' },
    'ruler-alertmanager-basic-auth-username': { description: 'Basic-auth user for the Alertmanagers' },
    'ruler-alertmanager-basic-auth-password-file': {
      description: 'File holding the basic-auth password for the Alertmanagers',
    },
    'ruler-remote-write-url': {
      description: "Remote-write URL for recorded samples (Prometheus's /api/v1/write)",
    },
    'ruler-resend-delay': {
      description: 'How often a firing alert is sent again (Go duration)',
      default: '1m',
    },
    'ruler-external-url': { description: "Base of alerts' generatorURL" },
  },
  env: { ...HTTP_GUARD_ENV },
  ports: [{ name: 'http', port: 3100 }],
  probes: { readiness: { path: LOGSTORE_READY_PATH, port: 'http', periodSeconds: 5 } },
  resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
  metrics: { port: 'http', path: ADMIN_PATHS.metrics },
  logFormat: 'json',
};

/** How the log collector runs: Grafana Alloy's job on one machine (Alloy takes its place in a cluster). */
export const collectorWorkload: WorkloadDescriptor = {
  name: 'collector',
  namespace: 'monitoring',
  summary: "Tails every pod's CRI log file and ships it to the log store with the catalog's stream labels",
  binary: nodeBinary(
    '@opsight/logstore',
    'opsight-collector',
    new URL('./bin/collector.js', import.meta.url),
  ),
  flags: {
    'pods-dir': { description: 'Root of the pod log files', default: 'var/log/pods' },
    positions: { description: 'File of the read positions', default: 'var/data/collector/positions.json' },
    url: { description: "The log store's base URL", default: 'http://127.0.0.1:3100' },
    listen: { description: 'host:port of /metrics and /ready', default: '127.0.0.1:9080' },
    tenant: { description: 'X-Scope-OrgID sent with every push' },
    'bearer-token-file': { description: 'File holding the bearer token sent with every push' },
    'max-retry-period': {
      description: 'How long a refused (429) stream is retried (Go duration)',
      default: '10m',
    },
  },
  env: { ...HTTP_GUARD_ENV },
  ports: [{ name: 'metrics', port: 9080 }],
  probes: { readiness: { path: LOGSTORE_READY_PATH, port: 'metrics', periodSeconds: 5 } },
  resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  metrics: { port: 'metrics', path: ADMIN_PATHS.metrics },
  logFormat: 'json',
};
