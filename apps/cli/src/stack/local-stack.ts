import { mkdirSync } from 'node:fs';
import { ensurePrivateDir } from '@opsight/private-files';
import type { ComponentSpec } from '@opsight/supervisor';
import { apiService } from './components/api-service.js';
import { consoleUi } from './components/console.js';
import { postgresExporter, redisExporter } from './components/exporters.js';
import { gateway, gatewayTelemetry, prepareGateway } from './components/gateway.js';
import { loadgen } from './components/loadgen.js';
import { modelComponents, prepareModelRouter } from './components/models.js';
import { alertmanager, alertRelay, preparePrometheus, prometheus } from './components/monitoring.js';
import {
  POSTGRES,
  postgresPrimary,
  postgresReplica,
  postgresSetup,
  preparePostgres,
} from './components/postgres.js';
import { prepareRedis, redis } from './components/redis.js';
import { collector, logstore, prepareTelemetryStores, tracestore } from './components/telemetry-stores.js';
import type { StackContext } from './context.js';

/** A URL to print once the stack is up. */
export interface Endpoint {
  name: string;
  url: string;
}

/** The local stack: its components, what to write before they start, and where to reach them. */
export interface LocalStack {
  components: ComponentSpec[];
  /** Writes configuration and creates directories; call only while holding the run lock. */
  prepare(): void;
  endpoints: Endpoint[];
}

/**
 * The browser policy of every Opsight server (libs/http-guard): the console's origin at this stack's
 * port may write and tail; Host names stay loopback names and IP literals.
 */
function withBrowserPolicy(ctx: StackContext, c: ComponentSpec): ComponentSpec {
  if (c.command !== process.execPath) return c;
  return { ...c, env: { OPSIGHT_CONSOLE_PORT: String(ctx.ports.console), ...c.env } };
}

/**
 * Every component of the local stack. A new component is a workload descriptor in its package (listed in
 * workloads.ts), one more spec here built from it with `workloadSpec` (and its ports in ports.ts): the
 * supervisor runs it, Prometheus scrapes it when it declares `metrics`.
 */
export function localStack(ctx: StackContext): LocalStack {
  const components = [
    postgresPrimary(ctx),
    postgresSetup(ctx),
    postgresReplica(ctx),
    redis(ctx),
    postgresExporter(ctx),
    redisExporter(ctx),
    prometheus(ctx),
    alertmanager(ctx),
    alertRelay(ctx),
    logstore(ctx),
    collector(ctx),
    tracestore(ctx),
    consoleUi(ctx),
    apiService(ctx),
    ...modelComponents(ctx),
    gateway(ctx),
    gatewayTelemetry(ctx),
    loadgen(ctx),
  ];
  const { ports } = ctx;
  return {
    components: components.map((c) => withBrowserPolicy(ctx, c)),
    prepare() {
      for (const dir of [ctx.paths.data, ctx.paths.config, ctx.paths.run]) {
        mkdirSync(dir, { recursive: true });
      }
      // Every component's output; data and config stay traversable for PostgreSQL's user (its own
      // directories are 0700, by initdb), the stores' directories are 0700 (prepareTelemetryStores).
      ensurePrivateDir(ctx.paths.podLogs, { service: 'opsight' });
      // First: it checks the Alertmanager receivers configured in the environment and stops on a bad one.
      preparePrometheus(ctx, components);
      preparePostgres(ctx);
      prepareRedis(ctx);
      prepareTelemetryStores(ctx);
      prepareModelRouter(ctx);
      prepareGateway(ctx);
    },
    endpoints: [
      { name: 'Console', url: `http://127.0.0.1:${ports.console}` },
      { name: 'API gateway', url: `http://127.0.0.1:${ports.gateway}/v1` },
      { name: 'API service (direct)', url: `http://127.0.0.1:${ports.apiService}/v1` },
      { name: 'Prometheus', url: `http://127.0.0.1:${ports.prometheus}` },
      { name: 'Alertmanager', url: `http://127.0.0.1:${ports.alertmanager}` },
      { name: 'Alert inbox', url: `http://127.0.0.1:${ports.alertRelay}/v1/inbox` },
      { name: 'Logs (Loki API)', url: `http://127.0.0.1:${ports.logstore}` },
      { name: 'Traces (Jaeger API)', url: `http://127.0.0.1:${ports.tracestoreQuery}` },
      { name: 'OTLP/HTTP', url: `http://127.0.0.1:${ports.tracestoreOtlpHttp}` },
      { name: 'Model router (gRPC)', url: `127.0.0.1:${ports.modelRouter}` },
      { name: 'Model serving', url: `http://127.0.0.1:${ports.modelServing}` },
      { name: 'Supervisor metrics', url: `http://127.0.0.1:${ports.supervisor}/metrics` },
      {
        name: 'PostgreSQL primary',
        url: `postgresql://${POSTGRES.appUser}@127.0.0.1:${ports.postgresPrimary}/${POSTGRES.database}`,
      },
      {
        name: 'PostgreSQL replica',
        url: `postgresql://${POSTGRES.appUser}@127.0.0.1:${ports.postgresReplica}/${POSTGRES.database}`,
      },
      { name: 'Redis', url: `redis://127.0.0.1:${ports.redis}` },
      { name: 'Passwords', url: ctx.paths.secrets },
      // OPSIGHT_AUTH=1: the stores want a token; this one is for the person at the keyboard (curl, Grafana).
      ...(ctx.auth ? [{ name: 'Store token (yours)', url: ctx.auth.tokenFile('developer') }] : []),
    ],
  };
}
