import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { MetricsRegistry } from '@opsight/telemetry';
import { startTestTelemetry } from '@opsight/telemetry/testing';
import { GatewayTelemetry } from '../src/gateway-telemetry.js';
import { tempDir } from './support/access-log-fixture.js';

// Issue 14: the metrics port answers a failure with fixed words; the error is in the log.
test('a failing /metrics answers 500 METRICS_UNAVAILABLE with fixed words; the log line has the error', async (t) => {
  const { telemetry, logs } = startTestTelemetry('gateway-telemetry-errors-test');
  const cleanup: (() => void)[] = [];
  const dir = tempDir({ after: (fn) => cleanup.push(fn) });
  const accessLog = join(dir, 'access.log');
  writeFileSync(accessLog, '');
  const registry = new MetricsRegistry({ defaultMetrics: false });
  registry.render = async () => {
    throw new Error('EACCES: /var/log/nginx/secret-upstreams.conf');
  };
  const sidecar = await GatewayTelemetry.start({
    accessLog,
    positionsFile: join(dir, 'positions.json'),
    listen: '127.0.0.1:0',
    registry,
    spanExporter: new InMemorySpanExporter(),
    logger: telemetry.logger,
    pollMs: 50,
  });
  t.after(async () => {
    await sidecar.close();
    for (const fn of cleanup) fn();
  });
  const res = await fetch(`http://${sidecar.address}/metrics`);
  assert.equal(res.status, 500);
  const body = await res.text();
  assert.equal(JSON.parse(body).code, 'METRICS_UNAVAILABLE');
  assert.equal(body.includes('secret-upstreams'), false, body);
  const line = logs.records().find((r) => r.message === 'rendering /metrics failed');
  assert.ok(line, logs.lines.join('\n'));
  assert.match(JSON.stringify(line.error), /secret-upstreams\.conf/);
});
