import { ADMIN_PATHS } from '@opsight/contracts/admin';
import { nodeBinary, type WorkloadDescriptor } from '@opsight/contracts/workload';
import { HTTP_GUARD_ENV } from '@opsight/http-guard';
import { TELEMETRY_ENV } from '@opsight/telemetry/workload';

/** The router's readiness path: 200 once every backend has been health-checked once. */
export const ROUTER_READY_PATH = '/ready';

/** How model-router runs: gRPC for api-service, metrics and probes on a separate HTTP port. */
export const modelRouterWorkload: WorkloadDescriptor = {
  name: 'model-router',
  namespace: 'platform',
  summary: 'Picks a model-serving backend per model (health, weights, fallback, retries); gRPC',
  binary: nodeBinary(
    '@opsight/model-router',
    'opsight-model-router',
    new URL('./bin/model-router.js', import.meta.url),
  ),
  runtimeArgs: ['--enable-source-maps'],
  flags: {
    config: { description: 'The routing table (JSON or YAML)', required: true },
    listen: { description: 'gRPC host:port', default: '127.0.0.1:50051' },
    'metrics-listen': { description: 'host:port of /metrics and the probes', default: '127.0.0.1:9095' },
  },
  env: { ...TELEMETRY_ENV, ...HTTP_GUARD_ENV },
  ports: [
    { name: 'grpc', port: 50051 },
    { name: 'metrics', port: 9464 },
  ],
  probes: {
    liveness: { path: ADMIN_PATHS.live, port: 'metrics', periodSeconds: 10, failureThreshold: 6 },
    readiness: { path: ROUTER_READY_PATH, port: 'metrics', periodSeconds: 5 },
  },
  resources: { requests: { cpu: '250m', memory: '192Mi' }, limits: { cpu: '1', memory: '384Mi' } },
  metrics: { port: 'metrics', path: ADMIN_PATHS.metrics },
  logFormat: 'json',
};
