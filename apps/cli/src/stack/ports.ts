/**
 * The local stack's ports: one table, the single source of truth for every component, the Prometheus
 * configuration and the printed URLs. Every port is overridable:
 * - `OPSIGHT_PORT_<NAME>` sets one port (NAME in upper snake case: `OPSIGHT_PORT_PROMETHEUS=19090`);
 * - `OPSIGHT_PORT_OFFSET` shifts every default (the whole-stack tests use 10000, so they never collide
 *   with a stack started by `npm run up`).
 */
export const DEFAULT_PORTS = {
  gateway: 8080,
  apiService: 8081,
  /** First model-serving instance; the others take the next ports (8091, 8092). */
  modelServing: 8090,
  modelRouter: 50051,
  modelRouterMetrics: 9095,
  /** dcgm-exporter's port; used only where nvidia-smi exists. */
  gpuExporter: 9400,
  gatewayTelemetry: 9113,
  prometheus: 9090,
  alertmanager: 9093,
  alertRelay: 9096,
  logstore: 3100,
  collector: 9080,
  tracestoreOtlpHttp: 4318,
  tracestoreOtlpGrpc: 4317,
  tracestoreQuery: 16686,
  console: 3000,
  postgresPrimary: 5433,
  postgresReplica: 5434,
  redis: 6380,
  postgresExporter: 9187,
  redisExporter: 9121,
  supervisor: 9100,
} as const;

export type PortName = keyof typeof DEFAULT_PORTS;
export type Ports = Record<PortName, number>;

/** Thrown for an invalid port variable; `variable` names it. */
export class PortConfigError extends Error {
  override readonly name = 'PortConfigError';
  constructor(
    readonly variable: string,
    readonly value: string,
    reason: string,
  ) {
    super(`${variable}=${JSON.stringify(value)}: ${reason}`);
  }
}

/** The environment variable that overrides one port. */
export function portVariable(name: PortName): string {
  return `OPSIGHT_PORT_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** Resolves the ports from the defaults and the environment; throws {@link PortConfigError}. */
export function resolvePorts(env: NodeJS.ProcessEnv = process.env): Ports {
  const offsetText = env.OPSIGHT_PORT_OFFSET ?? '0';
  const offset = Number(offsetText);
  if (!/^\d+$/.test(offsetText) || offset > 55000) {
    throw new PortConfigError('OPSIGHT_PORT_OFFSET', offsetText, 'must be a whole number from 0 to 55000');
  }
  const ports = {} as Ports;
  for (const [name, port] of Object.entries(DEFAULT_PORTS) as [PortName, number][]) {
    const variable = portVariable(name);
    const text = env[variable];
    const value = text === undefined ? port + offset : Number(text);
    if (text !== undefined && !/^\d+$/.test(text))
      throw new PortConfigError(variable, text, 'must be a port number');
    if (value < 1 || value > 65535) {
      throw new PortConfigError(
        text === undefined ? 'OPSIGHT_PORT_OFFSET' : variable,
        text ?? offsetText,
        `gives port ${value}, outside 1..65535`,
      );
    }
    ports[name] = value;
  }
  return ports;
}
