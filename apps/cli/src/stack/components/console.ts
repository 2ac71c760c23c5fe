import type { ComponentSpec } from '@opsight/supervisor';
import { ALERTMANAGER_USER, alertmanagerPasswordFile } from '../alertmanager-auth.js';
import { type StackContext, workspaceBin } from '../context.js';

/**
 * The console: the generated dashboards, logs, traces and alerts on one origin. It proxies every query
 * to the engines of the stack, so it starts after the stores it reads are up (Prometheus and
 * Alertmanager may come later: a panel shows their error until they answer; so may the alert relay, whose
 * inbox the alerts page shows, or says is unreachable).
 */
export function consoleUi(ctx: StackContext): ComponentSpec {
  const { ports } = ctx;
  const port = ports.console;
  return {
    name: 'console',
    namespace: 'monitoring',
    command: process.execPath,
    args: [
      workspaceBin(ctx, 'apps/console', 'console.js'),
      '--listen',
      `127.0.0.1:${port}`,
      '--prometheus',
      `http://127.0.0.1:${ports.prometheus}`,
      '--loki',
      `http://127.0.0.1:${ports.logstore}`,
      '--jaeger',
      `http://127.0.0.1:${ports.tracestoreQuery}`,
      '--alertmanager',
      `http://127.0.0.1:${ports.alertmanager}`,
      '--alertmanager-user',
      ALERTMANAGER_USER,
      '--alertmanager-password-file',
      alertmanagerPasswordFile(ctx),
      '--relay',
      `http://127.0.0.1:${ports.alertRelay}`,
      // OPSIGHT_AUTH=1: the stores' tenant is the console's setting, with its own token.
      ...(ctx.auth ? ['--tenant', ctx.auth.tenant, '--store-token-file', ctx.auth.tokenFile('console')] : []),
    ],
    ports: [{ name: 'http', port }],
    dependsOn: ['logstore', 'tracestore'],
    readinessProbe: { http: { port, path: '/ready' }, periodMs: 300 },
    resources: { limits: { cpu: 0.5, memoryBytes: 256 * 1024 * 1024 } },
  };
}
