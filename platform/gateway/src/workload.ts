import { ADMIN_PATHS } from '@opsight/contracts/admin';
import { nodeBinary, type WorkloadDescriptor } from '@opsight/contracts/workload';

/**
 * How the gateway runs: nginx in the foreground with the configuration rendered from
 * nginx.conf.template. It answers /healthz itself (the template's `location = /healthz`); its metrics
 * and its span come from gateway-telemetry, which reads its JSON access log.
 */
export const gatewayWorkload: WorkloadDescriptor = {
  name: 'gateway',
  namespace: 'platform',
  summary: 'The API gateway: nginx, starting every trace at the edge',
  binary: { kind: 'program', command: 'nginx' },
  flags: {},
  env: {},
  ports: [{ name: 'http', port: 8080 }],
  probes: {
    liveness: { path: ADMIN_PATHS.live, port: 'http', periodSeconds: 10 },
    readiness: { path: ADMIN_PATHS.live, port: 'http', periodSeconds: 5 },
  },
  resources: { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } },
  logFormat: 'nginx-access-json',
  stopSignal: 'SIGQUIT',
};

/**
 * The job that renders the gateway's configuration before nginx starts (an init container in
 * Kubernetes, a one-shot service in compose).
 */
export const gatewayConfigWorkload: WorkloadDescriptor = {
  name: 'gateway-config',
  namespace: 'platform',
  summary: "Renders nginx's configuration from the template",
  binary: nodeBinary(
    '@opsight/nginx-gateway',
    'render-nginx-config',
    new URL('./bin/render-nginx-config.js', import.meta.url),
  ),
  flags: {
    target: { description: 'kubernetes or local', required: true },
    upstream: { description: "api-service's host:port (kubernetes)" },
    'var-dir': { description: "The local stack's var directory (local)" },
    port: { description: 'Port nginx listens on (local)' },
    'upstream-port': { description: "api-service's port on loopback (local)" },
    out: { description: 'Where to write the configuration (else stdout)' },
  },
  env: {},
  ports: [],
  probes: {},
  resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
  logFormat: 'text',
};
