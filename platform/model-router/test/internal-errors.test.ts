import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestTelemetry } from '@opsight/telemetry/testing';
import { parseRoutingConfig } from '../src/config/routing-config.js';
import { startRouterServer } from '../src/server.js';

// Issue 14: the router's metrics port answers a failure with fixed words; the error is in its log.
test('a failing /metrics answers 500 METRICS_UNAVAILABLE with fixed words; the log line has the error', async (t) => {
  const { telemetry, logs } = startTestTelemetry('model-router-errors-test');
  const secret = 'collect failed: ECONNREFUSED 10.0.0.7:9400 (gpu-host)';
  telemetry.metrics.render = async () => {
    throw new Error(secret);
  };
  const server = await startRouterServer({
    config: parseRoutingConfig({
      backends: { a: { url: 'http://127.0.0.1:1' } },
      models: { chat: { backends: [{ backend: 'a' }] } },
    }),
    port: 0,
    metricsPort: 0,
    telemetry,
  });
  t.after(() => server.close());
  const res = await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`);
  assert.equal(res.status, 500);
  const body = await res.text();
  assert.equal(JSON.parse(body).code, 'METRICS_UNAVAILABLE');
  assert.equal(body.includes('ECONNREFUSED'), false, body);
  const line = logs.records().find((r) => r.message === 'rendering /metrics failed');
  assert.ok(line, logs.lines.join('\n'));
  assert.equal(line.level, 'ERROR');
  assert.match(JSON.stringify(line.error), /ECONNREFUSED 10\.0\.0\.7/);
});
