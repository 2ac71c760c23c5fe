import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayTelemetryWorkload } from '@opsight/gateway-telemetry/workload';
import {
  generatedHeader,
  localAccessLog,
  localNginxOptions,
  renderNginxConfig,
} from '@opsight/nginx-gateway';
import { gatewayWorkload } from '@opsight/nginx-gateway/workload';
import type { ComponentSpec } from '@opsight/supervisor';
import type { StackContext } from '../context.js';
import { otlpAuthEnv } from '../store-auth.js';
import { workloadSpec } from '../workload-spec.js';

const configFile = (ctx: StackContext) => join(ctx.paths.config, 'nginx.conf');

const nginxOptions = (ctx: StackContext) =>
  localNginxOptions({
    varDir: ctx.paths.varDir,
    port: ctx.ports.gateway,
    upstreamPort: ctx.ports.apiService,
  });

/** Renders var/config/nginx.conf and creates nginx's log, temporary and gateway-telemetry directories. */
export function prepareGateway(ctx: StackContext): void {
  const options = nginxOptions(ctx);
  mkdirSync(join(ctx.paths.varDir, 'log', 'nginx'), { recursive: true });
  mkdirSync(options.tempDir, { recursive: true });
  mkdirSync(join(ctx.paths.data, 'gateway-telemetry'), { recursive: true });
  mkdirSync(ctx.paths.config, { recursive: true });
  mkdirSync(ctx.paths.run, { recursive: true });
  writeFileSync(configFile(ctx), generatedHeader('opsight up') + renderNginxConfig(options));
}

/**
 * The nginx gateway in the foreground (`daemon off;`), prefix var/, errors to stderr (its pod log). It
 * answers JSON 502 until api-service is up, so it does not wait for it. SIGQUIT: finish requests in flight.
 */
export function gateway(ctx: StackContext): ComponentSpec {
  const port = ctx.ports.gateway;
  return {
    ...workloadSpec(gatewayWorkload, {
      command: process.env.OPSIGHT_NGINX ?? '/usr/sbin/nginx',
      ports: { http: port },
    }),
    // nginx's own options, not flags of ours: its prefix, its error log and the rendered configuration.
    args: ['-p', ctx.paths.varDir, '-e', 'stderr', '-c', configFile(ctx)],
  };
}

/** The gateway's telemetry sidecar: nginx_http_* metrics and the gateway span from the access log. */
export function gatewayTelemetry(ctx: StackContext): ComponentSpec {
  const port = ctx.ports.gatewayTelemetry;
  return workloadSpec(gatewayTelemetryWorkload, {
    ports: { metrics: port },
    args: [
      '--access-log',
      localAccessLog(ctx.paths.varDir),
      '--positions',
      join(ctx.paths.data, 'gateway-telemetry', 'positions.json'),
      '--listen',
      `127.0.0.1:${port}`,
      '--hosts',
      'localhost,127.0.0.1',
      // Nothing else rotates the local access log: past 64 MiB (and fully read) it becomes access.log.1.
      '--rotate-bytes',
      String(64 * 1024 * 1024),
      '--nginx-pid',
      nginxOptions(ctx).pidFile,
    ],
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${ctx.ports.tracestoreOtlpHttp}`,
      ...otlpAuthEnv(ctx.auth, 'gateway-telemetry'),
      ...(ctx.fast ? { OTEL_BSP_SCHEDULE_DELAY: '200' } : {}),
    },
    dependsOn: ['tracestore'],
    // Readiness only, locally: the liveness probe is the cluster's.
    liveness: false,
  });
}
