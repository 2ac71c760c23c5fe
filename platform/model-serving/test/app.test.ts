import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { eventually, type LineCapture, startTestTelemetry } from '@opsight/telemetry/testing';
import type { FastifyInstance } from 'fastify';
import { buildServingApp, TTFT_HEADER } from '../src/app.js';
import { modelProfile } from '../src/internal/model-profile.js';

let app: FastifyInstance;
let logs: LineCapture;
let crashes = 0;
const chat = (body: object) =>
  app.inject({ method: 'POST', url: '/v1/chat/completions', payload: body as Record<string, unknown> });
const hello = { model: 'm-fast', messages: [{ role: 'user', content: 'hello there' }], seed: 7 };

before(async () => {
  ({ logs } = startTestTelemetry('model-serving-test'));
  app = await buildServingApp({
    models: [
      modelProfile('m-fast', 'instant'),
      modelProfile('m-slow', 'instant', { ttftMs: 5, tokenMs: 20, minTokens: 50, maxTokens: 50 }),
    ],
    hangMs: 50,
    faults: true,
    onCrash: () => {
      crashes++;
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
});
after(() => app.close());
beforeEach(async () => {
  await app.inject({ method: 'DELETE', url: '/admin/faults' });
});

test('a non-stream completion is deterministic per seed and fills usage', async () => {
  const a = await chat(hello);
  const b = await chat(hello);
  const c = await chat({ ...hello, seed: 8 });
  assert.equal(a.statusCode, 200);
  const body = a.json();
  assert.equal(body.object, 'chat.completion');
  assert.equal(body.model, 'm-fast');
  assert.equal(body.choices[0].message.role, 'assistant');
  assert.equal(body.choices[0].message.content, b.json().choices[0].message.content);
  assert.notEqual(body.choices[0].message.content, c.json().choices[0].message.content);
  assert.ok(body.usage.prompt_tokens > 0);
  assert.ok(body.usage.completion_tokens > 0);
  assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + body.usage.completion_tokens);
  assert.ok(Number(a.headers[TTFT_HEADER]) >= 0);
});

test('max_tokens cuts the completion with finish_reason length', async () => {
  const r = (await chat({ ...hello, max_tokens: 2 })).json();
  assert.equal(r.usage.completion_tokens, 2);
  assert.equal(r.choices[0].finish_reason, 'length');
});

test('the developer role, text parts and max_completion_tokens: the same answer as the plain form', async () => {
  const plain = (await chat({ ...hello, max_tokens: 3 })).json();
  const r = await chat({
    ...hello,
    messages: [
      { role: 'developer', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'hello ' },
          { type: 'text', text: 'there' },
        ],
      },
    ],
    max_completion_tokens: 3,
  });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().usage.completion_tokens, 3);
  assert.equal(r.json().choices[0].finish_reason, 'length');
  const parts = await chat({
    ...hello,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'hello there' }] }],
    max_completion_tokens: 3,
  });
  assert.equal(parts.json().choices[0].message.content, plain.choices[0].message.content);
  assert.deepEqual(parts.json().usage, plain.usage);
});

test('a streamed completion sends SSE chunks, usage on the last, then [DONE]', async () => {
  const whole = (await chat(hello)).json();
  const r = await chat({ ...hello, stream: true });
  assert.equal(r.statusCode, 200);
  assert.match(String(r.headers['content-type']), /^text\/event-stream/);
  const events = r.body
    .split('\n\n')
    .filter(Boolean)
    .map((e) => e.replace(/^data: /, ''));
  assert.equal(events.at(-1), '[DONE]');
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  const text = chunks.map((c) => c.choices[0].delta.content ?? '').join('');
  assert.equal(text, whole.choices[0].message.content);
  const last = chunks.at(-1);
  assert.equal(last.choices[0].finish_reason, 'stop');
  assert.deepEqual(last.usage, whole.usage);
});

test('GET /v1/models and the admin probes', async () => {
  const models = (await app.inject('/v1/models')).json();
  assert.deepEqual(
    models.data.map((m: { id: string }) => m.id),
    ['m-fast', 'm-slow'],
  );
  for (const url of ['/healthz', '/readyz']) {
    const probe = await app.inject(url);
    assert.equal(probe.statusCode, 200, url);
    assert.deepEqual(probe.json(), { status: 'ok' });
  }
  assert.equal((await app.inject({ method: 'POST', url: '/healthz' })).statusCode, 405);
});

test('bad requests get 400 naming the field, unknown models 404', async () => {
  const cases: [object | string, string][] = [
    ['{"model":', 'body'],
    [{ messages: [{ role: 'user', content: 'x' }] }, 'model'],
    [{ model: 'm-fast' }, 'messages'],
    [{ model: 'm-fast', messages: [] }, 'messages'],
    [{ model: 'm-fast', messages: 'hi' }, 'messages'],
    [{ model: 'm-fast', messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role'],
    [{ model: 'm-fast', messages: [{ role: 'user', content: 3 }] }, 'messages[0].content'],
    [{ ...hello, temperature: 'hot' }, 'temperature'],
    [{ ...hello, max_tokens: 0 }, 'max_tokens'],
    [{ ...hello, max_tokens: 1.5 }, 'max_tokens'],
    [{ ...hello, stream: 'yes' }, 'stream'],
    [{ ...hello, stop: [1] }, 'stop[0]'],
    [{ ...hello, max_completion_tokens: 0 }, 'max_completion_tokens'],
    [{ ...hello, max_tokens: 4, max_completion_tokens: 8 }, 'max_tokens'],
    [
      { ...hello, messages: [{ role: 'user', content: [{ type: 'image_url' }] }] },
      'messages[0].content[0].type',
    ],
    [{ ...hello, messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id'],
    [{ ...hello, tool_choice: 'auto' }, 'tool_choice'],
  ];
  for (const [payload, field] of cases) {
    const r = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { 'content-type': 'application/json' },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
    assert.equal(r.statusCode, 400, JSON.stringify(payload));
    assert.equal(r.json().error.code, 'INVALID_REQUEST');
    assert.equal(r.json().error.param, field, JSON.stringify(payload));
  }
  const unknown = await chat({ ...hello, model: 'nope' });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().error.code, 'MODEL_NOT_FOUND');
  const route = await app.inject('/v2/nothing');
  assert.equal(route.statusCode, 404);
  assert.equal(route.json().error.code, 'ROUTE_NOT_FOUND');
});

test('fault switches: validation, error, overload, timeout, crash', async () => {
  const bad = await app.inject({ method: 'POST', url: '/admin/faults', payload: { errorRate: 2 } });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.param, 'errorRate');
  const unknown = await app.inject({ method: 'POST', url: '/admin/faults', payload: { melt: true } });
  assert.equal(unknown.json().error.param, 'melt');
  assert.deepEqual((await app.inject('/admin/faults')).json().errorRate, 0);

  await app.inject({ method: 'POST', url: '/admin/faults', payload: { errorRate: 1 } });
  const failed = await chat(hello);
  assert.equal(failed.statusCode, 500);
  assert.equal(failed.json().error.code, 'MODEL_ERROR');

  await app.inject({ method: 'POST', url: '/admin/faults', payload: { errorRate: 0, overloadRate: 1 } });
  assert.equal((await chat(hello)).statusCode, 503);

  await app.inject({ method: 'POST', url: '/admin/faults', payload: { overloadRate: 0, timeoutRate: 1 } });
  const timedOut = await chat(hello);
  assert.equal(timedOut.statusCode, 504);
  assert.equal(timedOut.json().error.code, 'MODEL_TIMEOUT');

  await app.inject({ method: 'DELETE', url: '/admin/faults' });
  const latency = await app.inject({ method: 'POST', url: '/admin/faults', payload: { latencyMs: 30 } });
  assert.equal(latency.json().latencyMs, 30);
  const slow = await chat(hello);
  assert.equal(Number(slow.headers[TTFT_HEADER]), 0.03);

  await app.inject({ method: 'POST', url: '/admin/faults', payload: { latencyMs: 0, crash: true } });
  const address = app.server.address() as import('node:net').AddressInfo;
  await assert.rejects(
    fetch(`http://127.0.0.1:${address.port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(hello),
    }),
  );
  assert.equal(crashes, 1);
});

test('metrics count successes, failures by reason and tokens', async () => {
  await chat(hello);
  await app.inject({ method: 'POST', url: '/admin/faults', payload: { errorRate: 1 } });
  await chat(hello);
  await chat({ ...hello, model: 'not-served' });
  const text = (await app.inject('/metrics')).body;
  assert.match(text, /model_inference_success_total\{model_name="m-fast"\} [1-9]/);
  assert.match(text, /model_inference_failure_total\{model_name="m-fast",reason="internal"\} [1-9]/);
  assert.match(text, /model_output_tokens_total\{model_name="m-fast"\} [1-9]/);
  assert.match(text, /model_inference_latency_seconds_bucket\{[^}]*model_name="m-fast"/);
  assert.match(text, /model_time_to_first_token_seconds_count\{model_name="m-fast"\}/);
  assert.doesNotMatch(text, /not-served/);
});

test('a client that goes away mid-stream stops the generation, logged as cancelled', async () => {
  const address = app.server.address() as import('node:net').AddressInfo;
  const controller = new AbortController();
  const response = await fetch(`http://127.0.0.1:${address.port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...hello, model: 'm-slow', stream: true }),
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  await reader.read();
  controller.abort();
  await eventually(() =>
    logs
      .records()
      .some((r) => r.message === 'inference cancelled: client went away' && r.model_name === 'm-slow'),
  );
  const text = (await app.inject('/metrics')).body;
  assert.match(text, /model_inference_failure_total\{model_name="m-slow",reason="canceled"\} 1/);
  assert.doesNotMatch(text, /model_inference_success_total\{model_name="m-slow"\}/);
});
