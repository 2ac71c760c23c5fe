import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { setRoute } from '../../src/context/request-context.js';
import { instrumentHttpHandler } from '../../src/http/node-http.js';
import { httpGet } from '../support/http-get.js';
import { startTestTelemetry, type TestTelemetry } from '../support/telemetry.js';

let t: TestTelemetry;
let server: Server;
let base: string;

before(async () => {
  t = startTestTelemetry();
  server = createServer(
    instrumentHttpHandler((req, res) => {
      if (req.url?.startsWith('/healthz')) setRoute('/healthz');
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        t.telemetry.logger.info({ bytes: body.length }, 'handled');
        res.writeHead(req.url === '/missing' ? 404 : 200).end('ok');
      });
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.telemetry.shutdown();
});

test('node:http handler: server span, context in request listeners, route set by the handler', async () => {
  const response = await httpGet(`${base}/healthz?full=1`, { 'x-request-id': 'req-node-1' });
  assert.equal(response.status, 200);
  assert.equal(response.headers['x-request-id'], 'req-node-1');
  await httpGet(`${base}/missing`);
  const spans = await t.finished();
  const health = spans.find((s) => s.attributes['http.route'] === '/healthz')!;
  assert.equal(health.name, 'GET /healthz');
  assert.equal(health.kind, SpanKind.SERVER);
  const [line] = t.logs.records();
  assert.equal(line!.trace_id, health.spanContext().traceId);
  assert.equal(line!.request_id, 'req-node-1');
  const { body } = await t.telemetry.metrics.render();
  assert.match(body, /^http_server_requests_total\{method="GET",route="\/healthz",status_class="2xx"\} 1$/m);
  assert.match(body, /^http_server_requests_total\{method="GET",route="unmatched",status_class="4xx"\} 1$/m);
});
