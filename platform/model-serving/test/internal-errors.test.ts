import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { type LineCapture, startTestTelemetry } from '@opsight/telemetry/testing';
import type { FastifyInstance } from 'fastify';
import { buildServingApp } from '../src/app.js';
import { modelProfile } from '../src/internal/model-profile.js';

// Issue 14: a 5xx answer says a stable code and the trace id only; the details are in the log line of that
// trace. Each test forces a failure whose text must not reach the client.
const SECRET = 'sqlite3 /var/lib/opsight/secret.db: password=hunter2 at 10.0.0.7';
const hello = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
let logs: LineCapture;
let broken: FastifyInstance;
let proxy: FastifyInstance;
let upstream: Server;
let upstreamStatus = 500;

const post = async (app: FastifyInstance) => {
  const res = await fetch(
    `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/chat/completions`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(hello),
    },
  );
  return { status: res.status, text: await res.text() };
};

/** The log lines of one trace, parsed. */
const linesOf = (traceId: string) => logs.records().filter((r) => r.trace_id === traceId);

before(async () => {
  ({ logs } = startTestTelemetry('model-serving-errors-test'));
  // A dependency that throws: the source of jitter, called while planning every completion.
  broken = await buildServingApp({
    models: [modelProfile('m', 'instant', { ttftMs: 1 })],
    random: () => {
      throw new Error(SECRET);
    },
  });
  await broken.listen({ host: '127.0.0.1', port: 0 });
  upstream = createServer((_req, res) => {
    res.writeHead(upstreamStatus, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `${SECRET}; Incorrect API key provided: sk-up****4711` } }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  proxy = await buildServingApp({
    models: [modelProfile('m')],
    upstream: { baseUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`, apiKey: 'sk-k' },
  });
  await proxy.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await broken.close();
  await proxy.close();
  upstream.close();
});

test('an internal error answers 500 MODEL_ERROR with the trace id; the exception is in the log', async () => {
  const res = await post(broken);
  assert.equal(res.status, 500);
  assert.doesNotMatch(res.text, /hunter2|secret\.db|10\.0\.0\.7|stack|at .*\.js/);
  const body = JSON.parse(res.text);
  assert.equal(body.error.code, 'MODEL_ERROR');
  assert.equal(body.error.message, 'the model failed');
  assert.match(body.error.trace_id, /^[0-9a-f]{32}$/);
  const logged = linesOf(body.error.trace_id).find((r) => r.message === 'request failed');
  assert.ok(logged, logs.lines.join('\n'));
  assert.equal(logged.level, 'ERROR');
  assert.equal(logged.error_code, 'MODEL_ERROR');
  assert.match(JSON.stringify(logged.error), /secret\.db: password=.* at 10\.0\.0\.7/);
});

test("an upstream's 5xx body is not relayed: 502 UPSTREAM_ERROR, the body in the log", async () => {
  upstreamStatus = 500;
  const res = await post(proxy);
  assert.equal(res.status, 502);
  assert.doesNotMatch(res.text, /hunter2|sk-up|status 500/);
  const body = JSON.parse(res.text);
  assert.equal(body.error.code, 'UPSTREAM_ERROR');
  assert.equal(body.error.message, 'the upstream model failed');
  assert.match(body.error.trace_id, /^[0-9a-f]{32}$/);
  const logged = linesOf(body.error.trace_id).find((r) => String(r.message).startsWith('upstream inference'));
  assert.ok(logged, logs.lines.join('\n'));
  assert.match(String(logged.error), /status 500: .*secret\.db/);
});

test("an upstream's 401 about this service's own key is a 502, not relayed", async () => {
  upstreamStatus = 401;
  const res = await post(proxy);
  assert.equal(res.status, 502);
  assert.doesNotMatch(res.text, /sk-up|Incorrect API key|hunter2/);
  assert.equal(JSON.parse(res.text).error.code, 'UPSTREAM_ERROR');
});

test('a 4xx still names the field at fault', async () => {
  const res = await fetch(
    `http://127.0.0.1:${(broken.server.address() as AddressInfo).port}/v1/chat/completions`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [] }),
    },
  );
  assert.equal(res.status, 400);
  const body = (await res.json()) as { error: { code: string; param: string; message: string } };
  assert.equal(body.error.code, 'INVALID_REQUEST');
  assert.equal(body.error.param, 'messages');
  assert.match(body.error.message, /messages/);
});
