import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpProbe } from '@opsight/http-guard';
import { startTestTelemetry } from '@opsight/telemetry/testing';
import { parseRoutingConfig } from '../src/config/routing-config.js';
import { startRouterServer } from '../src/server.js';

// The router's metrics port, as a web page in the developer's browser reaches it.
test('the metrics port refuses a foreign Host (421) and serves loopback names', async (t) => {
  startTestTelemetry('model-router-browser-test');
  const server = await startRouterServer({
    config: parseRoutingConfig({
      backends: { a: { url: 'http://127.0.0.1:1' } },
      models: { chat: { backends: [{ backend: 'a' }] } },
    }),
    port: 0,
    metricsPort: 0,
  });
  t.after(() => server.close());
  const url = `http://127.0.0.1:${server.metricsPort}/metrics`;
  const refused = await httpProbe(url, { headers: { host: `evil.example:${server.metricsPort}` } });
  assert.equal(refused.status, 421);
  assert.equal(JSON.parse(refused.body).code, 'HOST_NOT_ALLOWED');
  const served = await httpProbe(url, { headers: { host: `localhost:${server.metricsPort}` } });
  assert.equal(served.status, 200);
});
