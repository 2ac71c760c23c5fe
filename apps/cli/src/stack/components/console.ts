import { consoleWorkload } from '@opsight/console/workload';
import type { ComponentSpec } from '@opsight/supervisor';
import { ALERTMANAGER_USER, alertmanagerPasswordFile } from '../alertmanager-auth.js';
import type { StackContext } from '../context.js';
import { workloadSpec } from '../workload-spec.js';

/**
 * The console: the generated dashboards, logs, traces and alerts on one origin. It proxies every query
 * to the engines of the stack, so it starts after the stores it reads are up (Prometheus and
 * Alertmanager may come later: a panel shows their error until they answer; so may the alert relay, whose
 * inbox the alerts page shows, or says is unreachable).
 */
export function consoleUi(ctx: StackContext): ComponentSpec {
  const { ports } = ctx;
  const port = ports.console;
  return workloadSpec(consoleWorkload, {
    ports: { http: port },
    args: [
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
    dependsOn: ['logstore', 'tracestore'],
  });
}
