import { fastifyTelemetry, initTelemetry, type Telemetry } from '@opsight/telemetry';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ApiKeyRecord } from '../../src/keys/api-key-store.js';
import { apiCallPlugin } from '../../src/plugins/api-call.js';
import type { DependencyCall } from '../../src/plugins/dependency-call.js';
import { errorHandlingPlugin } from '../../src/plugins/error-handling.js';

/** The process's telemetry for a plugin test: log lines collected in `lines`, no exporters. */
export function testTelemetry(lines: string[]): Telemetry {
  return initTelemetry({
    service: 'api-service',
    handleSignals: false,
    defaultMetrics: false,
    instrumentFetch: false,
    env: {},
    logDestination: { write: (line: string) => void lines.push(line) },
  });
}

/**
 * A bare app with what every API plugin stands on: the telemetry plugin, the call state and the error
 * handling. The plugin under test is registered on it next.
 */
export function baseApp(telemetry: Telemetry): FastifyInstance {
  const app = Fastify({ logger: false });
  telemetryOf.set(app, telemetry);
  app.register(fastifyTelemetry, { telemetry });
  app.register(apiCallPlugin);
  app.register(errorHandlingPlugin, { telemetry });
  return app;
}

/** A key record with defaults. */
export function keyRecord(over: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id: 'key_0123456789abcdef',
    userId: 'user-a',
    name: null,
    prefix: 'sk-AAAAAAAA',
    status: 'active',
    rpmLimit: null,
    tpmLimit: null,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    expiresAt: null,
    revokedAt: null,
    ...over,
  };
}

/** A well-formed key (`sk-` and 43 base64url characters). */
export const KEY = `sk-${'A'.repeat(43)}`;

/** A dependency that answers. */
export const upGuard: DependencyCall = { run: (call) => call() };
/** A dependency that is down. */
export const downGuard: DependencyCall = {
  run: async () => {
    throw new Error('dependency down');
  },
};

/** One sample of a metrics text (`name{labels}`), or undefined. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const telemetryOf = new WeakMap<FastifyInstance, Telemetry>();

/** The metrics text of the app's telemetry (what its /metrics serves, where a plugin mounts one). */
export async function metricsOf(app: FastifyInstance): Promise<string> {
  const telemetry = telemetryOf.get(app);
  if (!telemetry) throw new Error('metricsOf: the app was not made by baseApp');
  return (await telemetry.metrics.render()).body;
}
