import { join } from 'node:path';
import type { ComponentSpec } from '@opsight/supervisor';
import type { StackContext } from '../context.js';
import { postgresExporterWorkload, redisExporterWorkload } from '../engines.js';
import { workloadSpec } from '../workload-spec.js';
import { POSTGRES } from './postgres.js';

/**
 * prometheus-postgres-exporter against the primary. Besides its built-in collectors it runs the queries in
 * observability/postgres-exporter/queries.yaml (replication lag per standby, pg_stat_statements).
 */
export function postgresExporter(ctx: StackContext): ComponentSpec {
  const { postgresPrimary: port, postgresExporter: listen } = ctx.ports;
  return workloadSpec(postgresExporterWorkload, {
    command: '/usr/bin/prometheus-postgres-exporter',
    ports: { metrics: listen },
    args: [
      `--web.listen-address=127.0.0.1:${listen}`,
      `--extend.query-path=${join(ctx.paths.root, 'observability/postgres-exporter/queries.yaml')}`,
    ],
    env: {
      DATA_SOURCE_URI: `127.0.0.1:${port}/${POSTGRES.database}?sslmode=disable`,
      DATA_SOURCE_USER: POSTGRES.exporterUser,
      DATA_SOURCE_PASS_FILE: join(ctx.paths.secrets, 'postgres-exporter'),
    },
    dependsOn: ['postgres-setup'],
    // Readiness only, locally: the liveness probe is the cluster's.
    liveness: false,
    limits: { cpu: '200m', memory: '128Mi' },
  });
}

/** prometheus-redis-exporter against the local Redis. */
export function redisExporter(ctx: StackContext): ComponentSpec {
  const listen = ctx.ports.redisExporter;
  return workloadSpec(redisExporterWorkload, {
    command: '/usr/bin/prometheus-redis-exporter',
    ports: { metrics: listen },
    args: [`--redis.addr=redis://127.0.0.1:${ctx.ports.redis}`, `--web.listen-address=127.0.0.1:${listen}`],
    env: { REDIS_PASSWORD: ctx.secrets.redis },
    dependsOn: ['redis'],
    limits: { cpu: '200m', memory: '128Mi' },
  });
}
