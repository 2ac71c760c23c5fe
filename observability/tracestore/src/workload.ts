import { ADMIN_PATHS } from '@opsight/contracts/admin';
import { nodeBinary, type WorkloadDescriptor } from '@opsight/contracts/workload';
import { HTTP_GUARD_ENV } from '@opsight/http-guard';

/** The trace store's readiness path, on its query port. */
export const TRACESTORE_READY_PATH = '/ready';

/** How the trace store runs: OTLP in, Jaeger's query API out. Jaeger takes its place in a cluster. */
export const tracestoreWorkload: WorkloadDescriptor = {
  name: 'tracestore',
  namespace: 'monitoring',
  summary: "Trace store: OTLP in (HTTP and gRPC), Jaeger's query API out",
  binary: nodeBinary('@opsight/tracestore', 'tracestore', new URL('./bin/tracestore.js', import.meta.url)),
  flags: {
    'data-dir': { description: 'Data directory', required: true },
    'otlp-http': { description: 'host:port of OTLP/HTTP, or off', default: '127.0.0.1:4318' },
    'otlp-grpc': { description: 'host:port of OTLP/gRPC, or off', default: '127.0.0.1:4317' },
    query: {
      description: "host:port of Jaeger's query API, /metrics and /ready, or off",
      default: '127.0.0.1:16686',
    },
    synchronous: { description: 'SQLite synchronous mode: FULL or NORMAL', default: 'FULL' },
    'retention-age': { description: 'Delete traces older than this (Go duration)' },
    'retention-bytes': { description: 'Size budget, bytes' },
    'max-spans-per-trace': { description: 'Spans kept per trace' },
    'max-analysis-spans': {
      description: 'Spans of one trace the analysis covers (the first by start time)',
      default: '10000',
    },
    'auth-tokens-file': {
      description: 'Tenancy by token: one "<tenant> <token>" per line, re-read on change',
    },
    'sqlite-driver': { description: 'better-sqlite3 or node:sqlite' },
    help: { description: 'Print the usage' },
  },
  env: {
    ...HTTP_GUARD_ENV,
    TRACESTORE_BEARER_TOKEN: { description: 'One shared bearer token every caller must send', secret: true },
  },
  ports: [
    { name: 'otlp-http', port: 4318 },
    { name: 'otlp-grpc', port: 4317 },
    { name: 'query', port: 16686 },
  ],
  probes: { readiness: { path: TRACESTORE_READY_PATH, port: 'query', periodSeconds: 5 } },
  resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
  metrics: { port: 'query', path: ADMIN_PATHS.metrics },
  logFormat: 'json',
};
