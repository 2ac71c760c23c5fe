import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  generatedHeader,
  localAccessLog,
  localNginxOptions,
  renderNginxConfig,
} from '@opsight/nginx-gateway';
import type { ComponentSpec } from '@opsight/supervisor';
import { type StackContext, workspaceBin } from '../context.js';
import { otlpAuthEnv } from '../store-auth.js';

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
    name: 'gateway',
    namespace: 'platform',
    command: process.env.OPSIGHT_NGINX ?? '/usr/sbin/nginx',
    args: ['-p', ctx.paths.varDir, '-e', 'stderr', '-c', configFile(ctx)],
    ports: [{ name: 'http', port }],
    readinessProbe: { http: { port, path: '/healthz' }, periodMs: 300 },
    livenessProbe: { http: { port, path: '/healthz' } },
    stopSignal: 'SIGQUIT',
    resources: { limits: { cpu: 1, memoryBytes: 256 * 1024 * 1024 } },
  };
}

/** The gateway's telemetry sidecar: nginx_http_* metrics and the gateway span from the access log. */
export function gatewayTelemetry(ctx: StackContext): ComponentSpec {
  const port = ctx.ports.gatewayTelemetry;
  return {
    name: 'gateway-telemetry',
    namespace: 'platform',
    app: 'gateway-telemetry',
    command: process.execPath,
    args: [
      workspaceBin(ctx, 'platform/gateway-telemetry', 'gateway-telemetry.js'),
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
    ports: [{ name: 'metrics', port }],
    metrics: { port },
    dependsOn: ['tracestore'],
    readinessProbe: { http: { port, path: '/ready' }, periodMs: 300 },
    resources: { limits: { cpu: 0.5, memoryBytes: 256 * 1024 * 1024 } },
  };
}
