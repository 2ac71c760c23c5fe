import { ACTIVE_USER_WINDOWS, apiActiveUsers, apiKeyExpiryTimestampSeconds } from '@opsight/catalog';
import type { Telemetry } from '@opsight/telemetry';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { KnownModels } from '../internal/known-models.js';
import type { DependencyCall } from './dependency-call.js';
import type { ModelLister } from './models-route.js';

/** Options of {@link gaugesPlugin}. */
export interface GaugesPluginOptions {
  /** Active keys with an expiry (PostgreSQL), soonest first. */
  keys: { expiringActive(limit: number): Promise<{ id: string; expiresAt: Date }[]> };
  /** Users seen in the last hour and day (Redis). */
  activeUsers: { activeUsers(): Promise<{ hour: number; day: number }> };
  /** The model router: its models bound the `model_name` label. */
  router: ModelLister;
  /** The routed models, refreshed here. */
  models: KnownModels;
  /** PostgreSQL's guard. */
  postgresGuard: DependencyCall;
  /** Redis's guard. */
  redisGuard: DependencyCall;
  /** The gauges and the warnings of failed refreshes. */
  telemetry: Telemetry;
  /** How often the key expiry gauge is reloaded. */
  expiryRefreshMs: number;
  /** How often the active-user gauges are read. */
  activeUsersRefreshMs: number;
  /** How often the routed models are reloaded. */
  modelsRefreshMs: number;
  /** At most this many keys get an expiry series. */
  maxExpirySeries: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Reloads the key expiry and active-user gauges and the routed models now. */
    refreshGauges(): Promise<void>;
  }
}

const plugin: FastifyPluginAsync<GaugesPluginOptions> = async (app, options) => {
  const { keys, router, models, postgresGuard, redisGuard } = options;
  const { logger, metrics } = options.telemetry;
  const expiry = metrics.gauge(apiKeyExpiryTimestampSeconds);
  const activeUsers = metrics.gauge(apiActiveUsers);

  async function refreshExpiry(): Promise<void> {
    try {
      const expiring = await postgresGuard.run(() => keys.expiringActive(options.maxExpirySeries));
      expiry.reset();
      for (const k of expiring) expiry.set({ key_id: k.id }, Math.floor(k.expiresAt.getTime() / 1000));
    } catch (error) {
      logger.warn({ error }, 'key expiry refresh failed');
    }
  }
  async function refreshActiveUsers(): Promise<void> {
    try {
      const counts = await redisGuard.run(() => options.activeUsers.activeUsers());
      const [hour, day] = ACTIVE_USER_WINDOWS;
      activeUsers.set({ window: hour }, counts.hour);
      activeUsers.set({ window: day }, counts.day);
    } catch (error) {
      logger.warn({ error }, 'active user refresh failed');
    }
  }
  async function refreshModels(): Promise<void> {
    try {
      for (const m of await router.listModels()) models.add(m.id);
    } catch (error) {
      logger.warn({ error }, 'model list refresh failed');
    }
  }

  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, task: () => Promise<void>) => {
    const timer = setInterval(() => void task(), ms);
    timer.unref();
    timers.push(timer);
  };
  every(options.expiryRefreshMs, refreshExpiry);
  every(options.activeUsersRefreshMs, refreshActiveUsers);
  every(options.modelsRefreshMs, refreshModels);
  app.addHook('onClose', async () => {
    for (const t of timers) clearInterval(t);
  });

  app.decorate('refreshGauges', async () => {
    await Promise.all([refreshExpiry(), refreshActiveUsers(), refreshModels()]);
  });
};

/**
 * The gauges read from the service's stores on timers: `api_key_expiry_timestamp_seconds` (PostgreSQL),
 * `api_active_users` (Redis), and the routed models that bound the `model_name` label.
 */
export const gaugesPlugin = fp(plugin, { name: 'api-gauges', fastify: '5.x' });
