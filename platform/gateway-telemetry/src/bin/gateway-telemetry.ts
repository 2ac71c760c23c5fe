#!/usr/bin/env node
// The gateway-telemetry sidecar, as the supervisor (or a Kubernetes pod beside nginx) runs it:
//   gateway-telemetry --access-log var/log/nginx/access.log --positions var/data/gateway-telemetry/positions.json
//                     [--listen 127.0.0.1:9113] [--hosts localhost,127.0.0.1] [--rotate-bytes N --nginx-pid FILE]
// Spans go where OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT says (OTLP/HTTP protobuf). Readiness: GET /ready.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { initTelemetry } from '@opsight/telemetry';
import { GatewayTelemetry } from '../gateway-telemetry.js';

const usage =
  'usage: gateway-telemetry --access-log FILE --positions FILE [--listen HOST:PORT] [--hosts NAME,NAME] [--rotate-bytes N --nginx-pid FILE]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'access-log': { type: 'string' },
      positions: { type: 'string' },
      listen: { type: 'string' },
      hosts: { type: 'string' },
      'rotate-bytes': { type: 'string' },
      'nginx-pid': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const accessLog = values['access-log'];
  const positionsFile = values.positions;
  if (!accessLog || !positionsFile) throw new Error(`--access-log and --positions are required\n${usage}`);
  const rotateBytes = values['rotate-bytes'] === undefined ? undefined : Number(values['rotate-bytes']);
  if (
    rotateBytes !== undefined &&
    !(Number.isInteger(rotateBytes) && rotateBytes > 0 && values['nginx-pid'])
  ) {
    throw new Error(`--rotate-bytes takes a positive number of bytes and needs --nginx-pid\n${usage}`);
  }
  mkdirSync(dirname(positionsFile), { recursive: true });
  const telemetry = initTelemetry({ service: 'gateway-telemetry', instrumentFetch: false });
  const hosts = values.hosts
    ?.split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  const sidecar = await GatewayTelemetry.start({
    accessLog,
    positionsFile,
    listen: values.listen,
    hosts,
    registry: telemetry.metrics,
    logger: telemetry.logger,
    rotateBytes,
    nginxPidFile: values['nginx-pid'],
  });
  telemetry.onShutdown(() => sidecar.close());
  telemetry.logger.info({ address: sidecar.address, access_log: accessLog }, 'listening');
}

main().catch((error: Error) => {
  process.stderr.write(
    `${JSON.stringify({
      timestamp: new Date().toISOString(),
      level: 'ERROR',
      service: 'gateway-telemetry',
      message: error.message,
    })}\n`,
  );
  process.exit(1);
});
