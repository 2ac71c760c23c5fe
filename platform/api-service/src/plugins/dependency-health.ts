import { type API_DEPENDENCIES, apiDependencyUp } from '@opsight/catalog';
import type { Telemetry } from '@opsight/telemetry';
import { fastifyAdmin } from '@opsight/telemetry/admin';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { DependencyHealth } from './dependency-call.js';

type Dependency = (typeof API_DEPENDENCIES)[number];

/** Each dependency's state, as the probes answer it. */
export type DependencyStates = Record<Dependency, 'ok' | 'unavailable'>;

/** One dependency: how to ping it and the guard its calls go through. */
export interface PingedDependency {
  /** A cheap round trip (`SELECT 1`, `PING`). */
  ping(): Promise<unknown>;
  /** The guard whose back-off a failed ping starts and a good one ends. */
  guard: Pick<DependencyHealth, 'markUp' | 'markDown'>;
}

/** Options of {@link dependencyHealthPlugin}. */
export interface DependencyHealthPluginOptions {
  /** PostgreSQL. */
  postgres: PingedDependency;
  /** Redis. */
  redis: PingedDependency;
  /** The `api_dependency_up` gauge. */
  telemetry: Telemetry;
  /** How often both are pinged. */
  checkEveryMs: number;
  /** A ping not answered within this long counts as down. @default 2000 */
  pingTimeoutMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Pings PostgreSQL and Redis now; records and returns their states. */
    checkDependencies(): Promise<DependencyStates>;
  }
}

const plugin: FastifyPluginAsync<DependencyHealthPluginOptions> = async (app, options) => {
  const dependencyUp = options.telemetry.metrics.gauge(apiDependencyUp);
  const pingTimeoutMs = options.pingTimeoutMs ?? 2000;

  const probe = async (dependency: Dependency, { ping, guard }: PingedDependency) => {
    try {
      await withTimeout(ping(), pingTimeoutMs);
      dependencyUp.set({ dependency }, 1);
      guard.markUp();
      return 'ok' as const;
    } catch (error) {
      dependencyUp.set({ dependency }, 0);
      guard.markDown(error);
      return 'unavailable' as const;
    }
  };
  async function checkDependencies(): Promise<DependencyStates> {
    const [postgres, redis] = await Promise.all([
      probe('postgres', options.postgres),
      probe('redis', options.redis),
    ]);
    return { postgres, redis };
  }
  app.decorate('checkDependencies', checkDependencies);

  // Metrics, liveness and readiness: 200 while the process serves. A dependency that is down makes the
  // service degraded, not unready: every replica shares it, so failing the probe would take them all out
  // of rotation at once and turn requests that can still be served (fail-open limits, keys in memory) into
  // gateway errors. The body says what is degraded; so do api_dependency_up and the logs. One round of
  // pings answers both checks of a probe.
  let round: Promise<DependencyStates> | undefined;
  const dependencyCheck = (dependency: Dependency) => ({
    required: false,
    check: async () => {
      round ??= checkDependencies().finally(() => {
        round = undefined;
      });
      return (await round)[dependency] === 'ok';
    },
  });
  const dependencies = { postgres: dependencyCheck('postgres'), redis: dependencyCheck('redis') };
  await app.register(fastifyAdmin, {
    admin: { metrics: options.telemetry.metrics, live: dependencies, ready: dependencies },
  });

  const timer = setInterval(() => void checkDependencies(), options.checkEveryMs);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
};

/**
 * Dependency health: PostgreSQL and Redis pinged every `checkEveryMs` (each bounded) into
 * `api_dependency_up`; a dependency seen down starts its guard's back-off, so requests stop waiting on it
 * at once. Serves `/metrics` and the liveness and readiness probes (`/healthz`, `/readyz`) through the
 * SDK's admin endpoints.
 */
export const dependencyHealthPlugin = fp(plugin, { name: 'api-dependency-health', fastify: '5.x' });

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
