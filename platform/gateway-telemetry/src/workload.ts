import { ADMIN_PATHS } from '@opsight/contracts/admin';
import { nodeBinary, type WorkloadDescriptor } from '@opsight/contracts/workload';
import { HTTP_GUARD_ENV } from '@opsight/http-guard';
import { TELEMETRY_ENV } from '@opsight/telemetry/workload';

/** Its readiness path: 200 once the access log has been opened (gateway-telemetry.ts). */
export const GATEWAY_TELEMETRY_READY_PATH = '/ready';

/** How gateway-telemetry runs: beside nginx (a sidecar in Kubernetes), reading its JSON access log. */
export const gatewayTelemetryWorkload: WorkloadDescriptor = {
  name: 'gateway-telemetry',
  namespace: 'platform',
  summary: "nginx_http_* metrics and the gateway's server span, from nginx's JSON access log",
  binary: nodeBinary(
    '@opsight/gateway-telemetry',
    'gateway-telemetry',
    new URL('./bin/gateway-telemetry.js', import.meta.url),
  ),
  runtimeArgs: ['--enable-source-maps'],
  flags: {
    'access-log': { description: "nginx's JSON access log", required: true },
    positions: { description: 'File of the read position, kept across restarts', required: true },
    listen: { description: 'host:port of /metrics and the probes', default: '127.0.0.1:9113' },
    hosts: { description: 'Host names counted as themselves; others are `other`' },
    'rotate-bytes': { description: 'Rotate the access log past this size (where nothing else does)' },
    'nginx-pid': { description: "nginx's pid file, to reopen its log after a rotation" },
    help: { description: 'Print the usage' },
  },
  env: { ...TELEMETRY_ENV, ...HTTP_GUARD_ENV },
  ports: [{ name: 'metrics', port: 9113 }],
  probes: {
    liveness: { path: ADMIN_PATHS.metrics, port: 'metrics', periodSeconds: 15, failureThreshold: 6 },
    readiness: { path: GATEWAY_TELEMETRY_READY_PATH, port: 'metrics', periodSeconds: 5 },
  },
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  metrics: { port: 'metrics', path: ADMIN_PATHS.metrics },
  logFormat: 'json',
};
