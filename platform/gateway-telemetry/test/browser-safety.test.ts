import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { httpProbe } from '@opsight/http-guard';
import { MetricsRegistry } from '@opsight/telemetry';
import { GatewayTelemetry } from '../src/gateway-telemetry.js';
import { tempDir } from './support/access-log-fixture.js';

// gateway-telemetry's metrics port, as a web page in the developer's browser reaches it.
test('the metrics port refuses a foreign Host (421) and serves loopback names', async (t) => {
  const cleanup: (() => void)[] = [];
  const dir = tempDir({ after: (fn) => cleanup.push(fn) });
  const accessLog = join(dir, 'access.log');
  writeFileSync(accessLog, '');
  const sidecar = await GatewayTelemetry.start({
    accessLog,
    positionsFile: join(dir, 'positions.json'),
    listen: '127.0.0.1:0',
    registry: new MetricsRegistry({ defaultMetrics: false }),
    spanExporter: new InMemorySpanExporter(),
    pollMs: 50,
  });
  t.after(async () => {
    await sidecar.close();
    for (const fn of cleanup) fn();
  });
  const port = sidecar.address.split(':').pop();
  const url = `http://${sidecar.address}/metrics`;
  const refused = await httpProbe(url, { headers: { host: `evil.example:${port}` } });
  assert.equal(refused.status, 421);
  assert.equal(JSON.parse(refused.body).code, 'HOST_NOT_ALLOWED');
  assert.equal((await httpProbe(url, { headers: { host: `localhost:${port}` } })).status, 200);
});
