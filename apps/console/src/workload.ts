import { nodeBinary, type WorkloadDescriptor } from '@opsight/contracts/workload';
import { HTTP_GUARD_ENV } from '@opsight/http-guard';

/** The console's readiness path (server.ts). */
export const CONSOLE_READY_PATH = '/ready';

/** How the console runs: dashboards, logs, traces and alerts on one origin. Grafana takes its place in a cluster. */
export const consoleWorkload: WorkloadDescriptor = {
  name: 'console',
  namespace: 'monitoring',
  summary:
    "The local web UI: the generated dashboards, logs, traces and alerts, proxied to the stack's engines",
  binary: nodeBinary('@opsight/console', 'opsight-console', new URL('./bin/console.js', import.meta.url)),
  flags: {
    listen: { description: 'host:port to listen on', default: '127.0.0.1:3000' },
    prometheus: { description: "Prometheus's base URL" },
    loki: { description: "The log store's (Loki API) base URL" },
    jaeger: { description: "The trace store's (Jaeger API) base URL" },
    alertmanager: { description: "Alertmanager's base URL" },
    relay: { description: "The alert relay's base URL" },
    tenant: { description: 'X-Scope-OrgID sent to the stores (wins over OPSIGHT_CONSOLE_TENANT)' },
    'store-token-file': { description: "File holding the stores' bearer token" },
    'alertmanager-user': { description: "Alertmanager's basic-auth user", default: 'opsight' },
    'alertmanager-password-file': { description: "File holding Alertmanager's basic-auth password" },
  },
  env: {
    ...HTTP_GUARD_ENV,
    OPSIGHT_CONSOLE_TENANT: { description: 'X-Scope-OrgID sent to the stores' },
    OPSIGHT_CONSOLE_STORE_TOKEN_FILE: { description: "File holding the stores' bearer token" },
    OPSIGHT_CONSOLE_ALERTMANAGER_PASSWORD_FILE: { description: "File holding Alertmanager's password" },
  },
  ports: [{ name: 'http', port: 3000 }],
  probes: { readiness: { path: CONSOLE_READY_PATH, port: 'http', periodSeconds: 5 } },
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  logFormat: 'json',
};
