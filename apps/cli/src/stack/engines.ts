import type { WorkloadDescriptor } from '@opsight/contracts/workload';

/**
 * The engines the stack runs but does not ship: Prometheus, Alertmanager, PostgreSQL, Redis and the
 * exporters. Their flags and variables are only the ones the stack passes; ports, probes and resources
 * are those of a cluster (kube-prometheus-stack and the manifests under deploy/k8s), and the local stack
 * states its own limits where one machine runs them all.
 */

/** Prometheus (2.42 locally, 3.x in clusters). */
export const prometheusWorkload: WorkloadDescriptor = {
  name: 'prometheus',
  namespace: 'monitoring',
  summary: 'Scrapes every component, evaluates the recording and alert rules',
  binary: { kind: 'program', command: 'prometheus' },
  flags: {
    'config.file': { description: 'The configuration file', required: true },
    'storage.tsdb.path': { description: 'Data directory' },
    'storage.tsdb.retention.time': { description: 'How long samples are kept', default: '15d' },
    'web.listen-address': { description: 'host:port of the UI and API', default: '0.0.0.0:9090' },
    'web.cors.origin': { description: 'Origins (a regular expression) that get CORS headers', default: '.*' },
    'enable-feature': { description: 'Feature flags (exemplar-storage)', multiple: true },
    'web.enable-remote-write-receiver': {
      description: "Accept remote write on /api/v1/write (the log store's ruler records there)",
    },
  },
  env: {},
  ports: [{ name: 'web', port: 9090 }],
  probes: {
    liveness: { path: '/-/healthy', port: 'web', periodSeconds: 10, failureThreshold: 6 },
    readiness: { path: '/-/ready', port: 'web', periodSeconds: 5 },
  },
  resources: { requests: { cpu: '1', memory: '4Gi' }, limits: { cpu: '4', memory: '8Gi' } },
  metrics: { port: 'web', path: '/metrics' },
  logFormat: 'text',
};

/** Alertmanager (0.25 locally, 0.28+ in clusters). */
export const alertmanagerWorkload: WorkloadDescriptor = {
  name: 'alertmanager',
  namespace: 'monitoring',
  summary: 'Groups, silences and routes the alerts Prometheus sends',
  binary: { kind: 'program', command: 'alertmanager' },
  flags: {
    'config.file': { description: 'The configuration file', required: true },
    'storage.path': { description: 'Data directory (silences, notification log)' },
    'web.listen-address': { description: 'host:port of the UI and API', default: ':9093' },
    'web.config.file': { description: 'TLS and basic-auth configuration of the web server' },
    'cluster.listen-address': { description: 'Gossip address; empty: no cluster', default: '0.0.0.0:9094' },
  },
  env: {},
  ports: [{ name: 'web', port: 9093 }],
  probes: { readiness: { path: '/-/ready', port: 'web', periodSeconds: 5 } },
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  metrics: { port: 'web', path: '/metrics' },
  logFormat: 'text',
};

/** Redis (7.x): rate-limit windows and the response cache. */
export const redisWorkload: WorkloadDescriptor = {
  name: 'redis',
  namespace: 'data',
  summary: "api-service's rate-limit windows and response cache",
  binary: { kind: 'program', command: 'redis-server' },
  flags: {},
  env: {},
  ports: [{ name: 'redis', port: 6379 }],
  probes: { readiness: { port: 'redis', periodSeconds: 5 } },
  resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  logFormat: 'text',
};

/** PostgreSQL (15 locally, 17 in clusters): API keys and usage. Its local specs add initdb, roles and a replica. */
export const postgresWorkload: WorkloadDescriptor = {
  name: 'postgres',
  namespace: 'data',
  summary: "api-service's API keys and usage records, with a streaming replica",
  binary: { kind: 'program', command: 'postgres' },
  flags: {},
  env: {},
  ports: [{ name: 'postgres', port: 5432 }],
  probes: { readiness: { port: 'postgres', periodSeconds: 5 } },
  resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } },
  logFormat: 'text',
  stopSignal: 'SIGINT',
};

/** prometheus-postgres-exporter (0.11 locally): PostgreSQL's series, replication lag and pg_stat_statements. */
export const postgresExporterWorkload: WorkloadDescriptor = {
  name: 'postgres-exporter',
  namespace: 'data',
  summary: "PostgreSQL's series for Prometheus",
  binary: { kind: 'program', command: 'postgres_exporter' },
  flags: {
    'web.listen-address': { description: 'host:port of /metrics', default: ':9187' },
    'extend.query-path': { description: 'YAML file of further queries' },
  },
  env: {
    DATA_SOURCE_URI: { description: 'host:port/database?options of the server' },
    DATA_SOURCE_USER: { description: 'The user it connects as' },
    DATA_SOURCE_PASS_FILE: { description: "File holding the user's password" },
  },
  ports: [{ name: 'metrics', port: 9187 }],
  probes: {
    liveness: { path: '/', port: 'metrics', periodSeconds: 10 },
    readiness: { path: '/', port: 'metrics', periodSeconds: 5 },
  },
  resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '128Mi' } },
  metrics: { port: 'metrics', path: '/metrics' },
  logFormat: 'text',
};

/** prometheus-redis-exporter (1.45 locally): Redis's series. */
export const redisExporterWorkload: WorkloadDescriptor = {
  name: 'redis-exporter',
  namespace: 'data',
  summary: "Redis's series for Prometheus",
  binary: { kind: 'program', command: 'redis_exporter' },
  flags: {
    'redis.addr': { description: "Redis's URL", default: 'redis://localhost:6379' },
    'web.listen-address': { description: 'host:port of /metrics', default: ':9121' },
  },
  env: { REDIS_PASSWORD: { description: "Redis's password", secret: true } },
  ports: [{ name: 'metrics', port: 9121 }],
  probes: { readiness: { path: '/', port: 'metrics', periodSeconds: 5 } },
  resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '250m', memory: '128Mi' } },
  metrics: { port: 'metrics', path: '/metrics' },
  logFormat: 'text',
};

/** Every engine, for checks that go over them all. */
export const ENGINE_WORKLOADS: readonly WorkloadDescriptor[] = [
  prometheusWorkload,
  alertmanagerWorkload,
  redisWorkload,
  postgresWorkload,
  postgresExporterWorkload,
  redisExporterWorkload,
];
