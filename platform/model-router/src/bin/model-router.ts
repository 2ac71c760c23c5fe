#!/usr/bin/env node
// opsight-model-router: the ModelRouter gRPC service in front of model-serving instances.
//
//   node platform/model-router/dist/src/bin/model-router.js --config platform/model-router/config/local.json \
//     [--listen 127.0.0.1:50051] [--metrics-listen 127.0.0.1:9095]
//
// The routing table is JSON or YAML (by extension). /metrics, /healthz and /readyz (alias /ready; 200 once every backend
// has been health-checked once) are served on --metrics-listen. Telemetry is configured by OTEL_* and LOG_LEVEL.
import { parseArgs } from 'node:util';
import { initTelemetry } from '@opsight/telemetry';
import { loadRoutingConfig, type RoutingConfig } from '../config/routing-config.js';
import { closeUpstreamPools } from '../internal/upstream-client.js';
import { startRouterServer } from '../server.js';

function usage(message: string): never {
  process.stderr.write(`model-router: ${message}\n`);
  process.exit(2);
}

function hostPort(flag: string, text: string): { host: string; port: number } {
  const idx = text.lastIndexOf(':');
  const port = Number(text.slice(idx + 1));
  if (idx <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) usage(`invalid --${flag} ${text}`);
  return { host: text.slice(0, idx), port };
}

let values: { config?: string; listen?: string; 'metrics-listen'?: string };
try {
  values = parseArgs({
    options: {
      config: { type: 'string' },
      listen: { type: 'string', default: '127.0.0.1:50051' },
      'metrics-listen': { type: 'string', default: '127.0.0.1:9095' },
    },
  }).values;
} catch (error) {
  usage((error as Error).message);
}
if (!values.config) usage('--config is required');
let config: RoutingConfig;
try {
  config = loadRoutingConfig(values.config);
} catch (error) {
  usage(`invalid routing table ${values.config}: ${(error as Error).message}`);
}
const grpcAddress = hostPort('listen', values.listen ?? '');
const metrics = hostPort('metrics-listen', values['metrics-listen'] ?? '');

const telemetry = initTelemetry({ service: 'model-router' });
try {
  const server = await startRouterServer({
    config,
    telemetry,
    host: grpcAddress.host,
    port: grpcAddress.port,
    metricsPort: metrics.port,
    metricsHost: metrics.host,
  });
  telemetry.onShutdown(async () => {
    await server.close();
    await closeUpstreamPools();
  });
  telemetry.logger.info(
    { models: [...config.models.keys()], backends: [...config.backends.keys()] },
    `model-router listening on ${grpcAddress.host}:${server.port} (gRPC), metrics on :${server.metricsPort}`,
  );
} catch (error) {
  telemetry.logger.error({ error }, 'model-router cannot start');
  await telemetry.shutdown();
  process.exit(1);
}
