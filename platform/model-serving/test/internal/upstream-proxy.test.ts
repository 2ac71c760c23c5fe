import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { eventually, type LineCapture, startTestTelemetry } from '@opsight/telemetry/testing';
import type { FastifyInstance } from 'fastify';
import { buildServingApp } from '../../src/app.js';
import { modelProfile } from '../../src/internal/model-profile.js';

// The upstream is a simulated model-serving (it speaks OpenAI's API) in the same process, so both record
// into the same registry: a proxied success counts twice, once per server; failures differ by reason.
let upstream: FastifyInstance;
let proxy: FastifyInstance;
let logs: LineCapture;
const authorizations: (string | undefined)[] = [];
const KEY = 'sk-upstream-secret-4711';
const hello = { model: 'up', messages: [{ role: 'user', content: 'hi' }], seed: 1 };
const metrics = async () => (await proxy.inject('/metrics')).body;

before(async () => {
  ({ logs } = startTestTelemetry('model-serving-upstream-test'));
  upstream = await buildServingApp({
    models: [
      modelProfile('up', 'instant'),
      modelProfile('slow', 'instant', { ttftMs: 5, tokenMs: 25, minTokens: 60, maxTokens: 60 }),
    ],
    faults: true,
  });
  upstream.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/v1/chat')) authorizations.push(request.headers.authorization);
  });
  const address = await upstream.listen({ host: '127.0.0.1', port: 0 });
  proxy = await buildServingApp({
    models: [modelProfile('up'), modelProfile('slow'), modelProfile('ghost')],
    upstream: { baseUrl: `${address}/v1/`, apiKey: KEY },
  });
  await proxy.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await proxy.close();
  await upstream.close();
});
beforeEach(async () => {
  await upstream.inject({ method: 'DELETE', url: '/admin/faults' });
});

test('a non-stream completion is forwarded with the key and relayed as it came', async () => {
  const direct = (
    await upstream.inject({ method: 'POST', url: '/v1/chat/completions', payload: hello })
  ).json();
  const r = await proxy.inject({ method: 'POST', url: '/v1/chat/completions', payload: hello });
  assert.equal(r.statusCode, 200);
  assert.equal(r.json().choices[0].message.content, direct.choices[0].message.content);
  assert.deepEqual(r.json().usage, direct.usage);
  assert.equal(authorizations.at(-1), `Bearer ${KEY}`);
  assert.match(await metrics(), /model_inference_success_total\{model_name="up"\} [2-9]/);
});

test('a stream is relayed chunk by chunk, ending with usage and [DONE]', async () => {
  const direct = (
    await upstream.inject({ method: 'POST', url: '/v1/chat/completions', payload: hello })
  ).json();
  const r = await proxy.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    payload: { ...hello, stream: true },
  });
  assert.equal(r.statusCode, 200);
  assert.match(String(r.headers['content-type']), /^text\/event-stream/);
  const events = r.body.split('\n\n').filter(Boolean);
  assert.equal(events.at(-1), 'data: [DONE]');
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)));
  assert.equal(
    chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''),
    direct.choices[0].message.content,
  );
  assert.deepEqual(chunks.at(-1).usage, direct.usage);
});

test('the proxy in front of a real model has no fault switches: /admin/faults is 404', async () => {
  for (const method of ['GET', 'POST', 'DELETE'] as const) {
    const res = await proxy.inject({
      method,
      url: '/admin/faults',
      payload: method === 'POST' ? { crash: true } : undefined,
    });
    assert.equal(res.statusCode, 404, method);
    assert.equal(res.json().error.code, 'ROUTE_NOT_FOUND');
  }
});

test('upstream failures: 5xx becomes 502 UPSTREAM_ERROR, 4xx is relayed, unreachable is 502', async () => {
  await upstream.inject({ method: 'POST', url: '/admin/faults', payload: { errorRate: 1 } });
  const failed = await proxy.inject({ method: 'POST', url: '/v1/chat/completions', payload: hello });
  assert.equal(failed.statusCode, 502);
  assert.equal(failed.json().error.code, 'UPSTREAM_ERROR');
  assert.match(await metrics(), /model_inference_failure_total\{model_name="up",reason="upstream_error"\} 1/);

  const unknown = await proxy.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    payload: { ...hello, model: 'ghost' },
  });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().error.code, 'MODEL_NOT_FOUND');

  const lonely = await buildServingApp({
    models: [modelProfile('up')],
    upstream: { baseUrl: 'http://127.0.0.1:1/v1', apiKey: KEY },
  });
  const unreachable = await lonely.inject({ method: 'POST', url: '/v1/chat/completions', payload: hello });
  assert.equal(unreachable.statusCode, 502);
  await lonely.close();
});

test('a client that goes away stops the upstream generation too', async () => {
  const port = (proxy.server.address() as AddressInfo).port;
  const controller = new AbortController();
  const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...hello, model: 'slow', stream: true }),
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  await reader.read();
  controller.abort();
  // One cancellation recorded by the proxy, one by the upstream whose request was aborted.
  await eventually(async () =>
    /model_inference_failure_total\{model_name="slow",reason="canceled"\} 2/.test(await metrics()),
  );
});

test('the key is never logged', () => {
  assert.ok(logs.lines.length > 0);
  assert.ok(!logs.lines.some((line) => line.includes(KEY)));
});
