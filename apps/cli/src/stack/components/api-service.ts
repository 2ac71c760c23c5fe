import { join } from 'node:path';
import { apiServiceWorkload } from '@opsight/api-service/workload';
import type { ComponentSpec } from '@opsight/supervisor';
import { API_ADMIN_KEY_FILE, type StackContext } from '../context.js';
import { otlpAuthEnv } from '../store-auth.js';
import { workloadSpec } from '../workload-spec.js';
import { POSTGRES } from './postgres.js';

/**
 * The platform's OpenAI-compatible API (platform/api-service). It migrates its schema at start, so it
 * waits for postgres-setup (roles and database) and Redis. Passwords reach it as files from var/secrets
 * (`OPSIGHT_PG_PASSWORD_FILE`, `OPSIGHT_REDIS_PASSWORD_FILE`), never on its command line or in its
 * environment. Ready once /healthz answers, which it does once migrated (PostgreSQL is needed at start);
 * a dependency lost later degrades the service (the probe stays 200, its body says so). It starts after the model
 * router is ready, so that `npm run up` never serves 503s while the router warms up; a router lost later
 * gives 503s per request, not an unready API.
 */
export function apiService(ctx: StackContext): ComponentSpec {
  const port = ctx.ports.apiService;
  return workloadSpec(apiServiceWorkload, {
    ports: { http: port },
    env: {
      OPSIGHT_API_LISTEN: `127.0.0.1:${port}`,
      PGHOST: '127.0.0.1',
      PGPORT: String(ctx.ports.postgresPrimary),
      PGUSER: POSTGRES.appUser,
      PGDATABASE: POSTGRES.database,
      OPSIGHT_PG_PASSWORD_FILE: join(ctx.paths.secrets, 'postgres-app'),
      OPSIGHT_REDIS_URL: `redis://127.0.0.1:${ctx.ports.redis}`,
      OPSIGHT_REDIS_PASSWORD_FILE: join(ctx.paths.secrets, 'redis'),
      // The key admin API (`opsight keys`): on, with the admin key the stack generated.
      OPSIGHT_ADMIN_KEY_FILE: join(ctx.paths.secrets, API_ADMIN_KEY_FILE),
      OPSIGHT_ROUTER_ADDRESS: `127.0.0.1:${ctx.ports.modelRouter}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${ctx.ports.tracestoreOtlpHttp}`,
      ...otlpAuthEnv(ctx.auth, 'api-service'),
      // Fast mode (whole-stack tests): key expiry changes reach Prometheus within seconds.
      ...(ctx.fast ? { OPSIGHT_KEY_EXPIRY_REFRESH_MS: '2000' } : {}),
    },
    dependsOn: ['postgres-setup', 'redis', 'model-router'],
    // Readiness only, locally: the liveness probe is the cluster's.
    liveness: false,
  });
}
