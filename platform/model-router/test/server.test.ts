import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { chatRequestToProto, parseChatRequest } from '@opsight/contracts/chat';
import { buildServingApp, modelProfile } from '@opsight/model-serving';
import type { Telemetry } from '@opsight/telemetry';
import { eventually, type LineCapture, startTestTelemetry } from '@opsight/telemetry/testing';
import type { FastifyInstance } from 'fastify';
import { parseRoutingConfig } from '../src/config/routing-config.js';
import { loadModelRouterProto } from '../src/internal/proto.js';
import { type RouterServer, startRouterServer } from '../src/server.js';

type Client = grpc.Client & Record<string, (...args: unknown[]) => unknown>;
// biome-ignore lint/suspicious/noExplicitAny: decoded protobuf messages
type Message = any;
interface Reply {
  error: grpc.ServiceError | null;
  value: Message;
}

let logs: LineCapture;
let telemetry: Telemetry;
const spans = new InMemorySpanExporter();
const serving: Record<string, FastifyInstance> = {};
const urls: Record<string, string> = {};
let deadUrl: string;
const { Client: RouterClient } = loadModelRouterProto();

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

before(async () => {
  ({ logs, telemetry } = startTestTelemetry('model-router-test', { spanExporter: spans }));
  const specs = {
    a: [modelProfile('chat', 'instant')],
    b: [modelProfile('chat', 'instant')],
    c: [modelProfile('small', 'instant')],
    d: [modelProfile('slow', 'instant', { ttftMs: 5, tokenMs: 25, minTokens: 60, maxTokens: 60 })],
  };
  for (const [name, models] of Object.entries(specs)) {
    const app = await buildServingApp({ models, hangMs: 60_000, faults: true, onCrash: () => {} });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    serving[name] = app;
    urls[name] = address;
  }
  deadUrl = `http://127.0.0.1:${await freePort()}`;
});
after(async () => {
  for (const app of Object.values(serving)) await app.close();
});
beforeEach(async () => {
  for (const app of Object.values(serving)) await app.inject({ method: 'DELETE', url: '/admin/faults' });
});

function routingTable(extra: Record<string, unknown> = {}) {
  return parseRoutingConfig({
    backends: {
      a: { url: urls.a },
      b: { url: urls.b },
      c: { url: urls.c },
      d: { url: urls.d },
      dead: { url: deadUrl },
    },
    models: {
      chat: { backends: [{ backend: 'a' }, { backend: 'b' }], fallbacks: ['small'] },
      small: { backends: [{ backend: 'c' }] },
      slow: { backends: [{ backend: 'd' }] },
      ghost: { backends: [{ backend: 'dead' }] },
    },
    healthCheck: { intervalMs: 50, timeoutMs: 500, unhealthyThreshold: 1 },
    retry: { maxAttempts: 3, budgetRatio: 1, minRetriesPerSecond: 100 },
    circuitBreaker: { failureThreshold: 2, openMs: 60_000 },
    ...extra,
  });
}

async function withRouter(fn: (client: Client, server: RouterServer) => Promise<void>, extra = {}) {
  const server = await startRouterServer({ config: routingTable(extra), port: 0, metricsPort: 0 });
  await server.router.health.firstRound;
  const client = new RouterClient(
    `127.0.0.1:${server.port}`,
    grpc.credentials.createInsecure(),
  ) as unknown as Client;
  try {
    await fn(client, server);
  } finally {
    client.close();
    await server.close();
  }
}

function unary(client: Client, method: string, request: object, deadlineMs = 10_000): Promise<Reply> {
  return new Promise((resolve) =>
    client[method]!(
      request,
      { deadline: Date.now() + deadlineMs },
      (error: grpc.ServiceError | null, value: unknown) => resolve({ error, value }),
    ),
  );
}

const helloBody = { model: 'chat', messages: [{ role: 'user', content: 'hello' }], seed: 3 };
/** The request as api-service sends it: the contracts' mapping of the checked body onto the proto. */
const hello = chatRequestToProto(parseChatRequest(helloBody));
/** Request context as api-service sends it: in metadata, never in the message. */
const contextMetadata = (requestId: string, userId?: string) => {
  const metadata = new grpc.Metadata();
  metadata.set('x-request-id', requestId);
  if (userId) metadata.set('x-opsight-user-id', userId);
  return metadata;
};
const errorCode = (e: grpc.ServiceError | null) => e?.metadata.get('opsight-error-code')[0];
const setFaults = (name: string, faults: object) =>
  serving[name]!.inject({ method: 'POST', url: '/admin/faults', payload: faults });

test('Generate routes to a backend of the model and returns its completion', async () => {
  const direct = (
    await serving.a!.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: helloBody,
    })
  ).json();
  await withRouter(async (client) => {
    const { error, value } = await unary(client, 'Generate', hello);
    assert.equal(error, null);
    assert.equal(value.model, 'chat');
    assert.equal(value.content, direct.choices[0].message.content);
    assert.equal(value.usage.completion_tokens, direct.usage.completion_tokens);
    assert.equal(value.finish_reason, 'stop');
    assert.ok(['a', 'b'].includes(value.backend));
    assert.ok(value.time_to_first_token_seconds >= 0);
  });
});

test('ListModels reports the routed models and whether a healthy backend serves them', async () => {
  await withRouter(async (client) => {
    const { value } = await unary(client, 'ListModels', {});
    const models = Object.fromEntries(
      value.models.map((m: { id: string; available: boolean }) => [m.id, m.available]),
    );
    assert.deepEqual(models, { chat: true, small: true, slow: true, ghost: false });
  });
});

test('bad requests get INVALID_ARGUMENT naming the field; unknown models NOT_FOUND', async () => {
  await withRouter(async (client) => {
    const cases: [object, string][] = [
      [{ messages: hello.messages }, 'model'],
      [{ model: 'chat' }, 'messages'],
      [{ ...hello, messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role'],
      [{ ...hello, messages: [{ role: 'user' }] }, 'messages[0].content'],
      [{ ...hello, messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id'],
      [
        { ...hello, messages: [{ role: 'user', parts: { parts: [{ type: 'image_url' }] } }] },
        'messages[0].content[0].type',
      ],
      [{ ...hello, temperature: 3 }, 'temperature'],
      [{ ...hello, max_tokens: 0 }, 'max_tokens'],
      [{ ...hello, max_completion_tokens: 200_000 }, 'max_completion_tokens'],
      [{ ...hello, max_tokens: 8, max_completion_tokens: 16 }, 'max_tokens'],
      [{ ...hello, stop: ['', 'x'] }, 'stop[0]'],
      [{ ...hello, tool_choice: { mode: 'auto' } }, 'tool_choice'],
      [
        { ...hello, tools: [{ type: 'function', function: { name: 'f', parameters_json: '[' } }] },
        'tools[0].function.parameters',
      ],
    ];
    for (const [request, field] of cases) {
      const { error } = await unary(client, 'Generate', request);
      assert.equal(error?.code, grpc.status.INVALID_ARGUMENT, JSON.stringify(request));
      assert.equal(errorCode(error), 'INVALID_REQUEST');
      assert.ok(error?.details.startsWith(`${field}:`), error?.details);
      assert.equal(error?.metadata.get('opsight-error-param')[0], field, JSON.stringify(request));
    }
    const { error } = await unary(client, 'Generate', { ...hello, model: 'gpt-99' });
    assert.equal(error?.code, grpc.status.NOT_FOUND);
    assert.equal(errorCode(error), 'MODEL_NOT_FOUND');
  });
  const callerErrors = logs
    .records()
    .filter((r) => r.error_code === 'INVALID_REQUEST' || r.error_code === 'MODEL_NOT_FOUND');
  assert.ok(callerErrors.length > 0);
  assert.ok(
    callerErrors.every((r) => r.level === 'WARN'),
    "the caller's mistakes are WARN lines, not the router's errors",
  );
});

test('a model whose backends are down is UNAVAILABLE', async () => {
  await withRouter(async (client) => {
    const { error } = await unary(client, 'Generate', { ...hello, model: 'ghost' });
    assert.equal(error?.code, grpc.status.UNAVAILABLE);
    assert.equal(errorCode(error), 'BACKEND_UNAVAILABLE');
  });
  const line = logs.records().find((r) => r.error_code === 'BACKEND_UNAVAILABLE' && r.model_name === 'ghost');
  assert.equal(line?.level, 'ERROR', 'a request the router could not serve is an ERROR line');
});

test('failed tries move to another backend; the breaker then skips the failing one; fallback last', async () => {
  await setFaults('a', { errorRate: 1 });
  await withRouter(async (client, server) => {
    // The first try goes to a or b at random: call until a has failed often enough to open its breaker
    // (two failures), every call still answered by b.
    const breakerOfA = () => server.router.backends.get('a')!.breaker.state;
    for (let i = 0; i < 64 && breakerOfA() !== 'open'; i++) {
      const { error, value } = await unary(client, 'Generate', hello);
      assert.equal(error, null);
      assert.equal(value.backend, 'b');
      assert.equal(value.model, 'chat');
    }
    assert.equal(breakerOfA(), 'open');
    const failuresOnA = logs.records().filter((r) => r.message === 'try 1 on a failed').length;
    assert.ok(failuresOnA <= 2, `a was tried ${failuresOnA} times`);

    await setFaults('b', { errorRate: 1 });
    const { error, value } = await unary(client, 'Generate', hello);
    assert.equal(error, null);
    assert.equal(value.model, 'small');
    assert.equal(value.backend, 'c');

    const text = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
    assert.match(text, /model_router_circuit_open\{backend="a"\} 1/);
    assert.match(text, /model_router_circuit_open\{backend="c"\} 0/);
    assert.match(text, /model_router_retries_total\{model_name="chat"\} [1-9]/);
    assert.match(text, /model_router_fallbacks_total\{model_name="chat"\} 1/);
    assert.match(text, /model_router_backend_up\{backend="dead"\} 0/);
    assert.match(text, /model_router_backend_up\{backend="a"\} 1/);
  });
});

test('when every try fails the caller gets the backend error', async () => {
  await withRouter(
    async (client) => {
      await setFaults('a', { errorRate: 1 });
      await setFaults('b', { errorRate: 1 });
      await setFaults('c', { errorRate: 1 });
      const { error } = await unary(client, 'Generate', hello);
      assert.equal(error?.code, grpc.status.INTERNAL);
      assert.equal(errorCode(error), 'UPSTREAM_ERROR');
      const lines = logs.records().filter((r) => r.error_code === 'UPSTREAM_ERROR');
      assert.equal(lines.at(-1)?.level, 'ERROR', JSON.stringify(lines.at(-1)));
      assert.ok(
        logs.records().some((r) => /^try \d+ on \w+ failed$/.test(String(r.message)) && r.level === 'WARN'),
        'a single failed try stays a WARN',
      );
    },
    { circuitBreaker: { failureThreshold: 100 } },
  );
});

test('a try that hangs is abandoned after the per-try timeout and retried elsewhere', async () => {
  await setFaults('a', { timeoutRate: 1 });
  await withRouter(
    async (client) => {
      for (let i = 0; i < 3; i++) {
        const { error, value } = await unary(client, 'Generate', hello);
        assert.equal(error, null);
        assert.equal(value.backend, 'b');
      }
    },
    { retry: { perTryTimeoutMs: 100, budgetRatio: 1, minRetriesPerSecond: 100 } },
  );
});

test('the caller deadline bounds the call: DEADLINE_EXCEEDED', async () => {
  await withRouter(async (client) => {
    const { error } = await unary(client, 'Generate', { ...hello, model: 'slow' }, 300);
    assert.equal(error?.code, grpc.status.DEADLINE_EXCEEDED);
  });
  await eventually(() =>
    logs
      .records()
      .some((r) => r.message === 'inference cancelled: client went away' && r.model_name === 'slow'),
  );
});

function collect(
  stream: grpc.ClientReadableStream<unknown>,
): Promise<{ chunks: Message[]; error?: grpc.ServiceError }> {
  const chunks: Message[] = [];
  return new Promise((resolve) => {
    stream.on('data', (c) => chunks.push(c));
    stream.on('error', (error: grpc.ServiceError) => resolve({ chunks, error }));
    stream.on('end', () => resolve({ chunks }));
  });
}

test('GenerateStream relays the deltas, then finish_reason and usage on the last chunk', async () => {
  await withRouter(async (client) => {
    const whole = (await unary(client, 'Generate', hello)).value;
    const stream = client.GenerateStream!(hello, {
      deadline: Date.now() + 10_000,
    }) as grpc.ClientReadableStream<unknown>;
    const { chunks, error } = await collect(stream);
    assert.equal(error, undefined);
    assert.equal(chunks.map((c) => c.delta ?? '').join(''), whole.content);
    const last = chunks.at(-1);
    assert.equal(last.finish_reason, 'stop');
    assert.deepEqual(last.usage, whole.usage);
    assert.ok(chunks.every((c) => c.model === 'chat' && ['a', 'b'].includes(c.backend)));
    const bad = await collect(
      client.GenerateStream!({ ...hello, model: 'nope' }) as grpc.ClientReadableStream<unknown>,
    );
    assert.equal(bad.error?.code, grpc.status.NOT_FOUND);
  });
});

test('a stream that fails before its first chunk is retried on another backend', async () => {
  await setFaults('b', { overloadRate: 1 });
  await setFaults('a', { overloadRate: 1 });
  await withRouter(async (client) => {
    const { chunks, error } = await collect(
      client.GenerateStream!(hello) as grpc.ClientReadableStream<unknown>,
    );
    assert.equal(error, undefined);
    assert.equal(chunks.at(-1).model, 'small');
  });
});

test('a caller that cancels a stream stops the generation on the backend', async () => {
  await withRouter(async (client) => {
    const stream = client.GenerateStream!(
      { ...hello, model: 'slow' },
      contextMetadata('req-cancel', 'user-cancel'),
    ) as grpc.ClientReadableStream<unknown>;
    stream.on('error', () => {});
    await new Promise((resolve) => stream.once('data', resolve));
    stream.cancel();
    await eventually(() =>
      logs
        .records()
        .some(
          (r) =>
            r.message === 'generation cancelled: the caller went away' &&
            r.request_id === 'req-cancel' &&
            r.user_id === 'user-cancel',
        ),
    );
    await eventually(() =>
      logs
        .records()
        .some(
          (r) =>
            r.message === 'inference cancelled: client went away' &&
            r.model_name === 'slow' &&
            r.request_id === 'req-cancel',
        ),
    );
  });
});

test('the metrics endpoint has the grpc_server_* families', async () => {
  await withRouter(async (client, server) => {
    await unary(client, 'Generate', hello);
    await unary(client, 'Generate', { ...hello, model: 'gpt-99' });
    const text = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
    assert.match(
      text,
      /grpc_server_handled_total\{grpc_type="unary",grpc_service="opsight.router.v1.ModelRouter",grpc_method="Generate",grpc_code="OK"\} [1-9]/,
    );
    assert.match(text, /grpc_server_handled_total\{[^}]*grpc_method="Generate",grpc_code="NotFound"\} [1-9]/);
    assert.match(text, /grpc_server_handling_seconds_bucket\{[^}]*grpc_method="Generate"/);
    assert.equal((await fetch(`http://127.0.0.1:${server.metricsPort}/ready`)).status, 200);
  });
});

test('the per-try timeout never cuts a stream that has started', async () => {
  await withRouter(
    async (client) => {
      const { chunks, error } = await collect(
        client.GenerateStream!({
          ...hello,
          model: 'slow',
          max_tokens: 16,
        }) as grpc.ClientReadableStream<unknown>,
      );
      assert.equal(error, undefined);
      assert.equal(chunks.at(-1).finish_reason, 'length');
      assert.equal(chunks.at(-1).usage.completion_tokens, 16);
    },
    { retry: { perTryTimeoutMs: 100 } },
  );
});

test('one Generate is one trace: router server span, its client span, the backend server span', async () => {
  await withRouter(async (client) => {
    await telemetry.forceFlush();
    spans.reset();
    const { error } = await unary(client, 'Generate', hello);
    assert.equal(error, null);
    await new Promise((r) => setTimeout(r, 150));
    await telemetry.forceFlush();
    const finished = spans.getFinishedSpans();
    const server = finished.find((s) => s.name === 'opsight.router.v1.ModelRouter/Generate');
    assert.ok(server, finished.map((s) => s.name).join(', '));
    const traceId = server.spanContext().traceId;
    const clientSpan = finished.find(
      (s) => s.kind === SpanKind.CLIENT && s.parentSpanContext?.spanId === server.spanContext().spanId,
    );
    assert.ok(clientSpan, 'a client span under the router span');
    const backend = finished.find(
      (s) => s.kind === SpanKind.SERVER && s.parentSpanContext?.spanId === clientSpan.spanContext().spanId,
    );
    assert.ok(backend, 'the backend server span under the client span');
    assert.equal(backend.spanContext().traceId, traceId);
    assert.ok(
      !finished.some(
        (s) => s.kind === SpanKind.CLIENT && String(s.attributes['url.full'] ?? '').endsWith('/healthz'),
      ),
      'the router does not trace its health checks',
    );
  });
});

test('the full request reaches model-serving intact; request context comes from metadata only', async () => {
  const received: { body: Record<string, unknown>; requestId: unknown }[] = [];
  const capture = createHttpServer((req, res) => {
    let text = '';
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      if (req.method === 'POST')
        received.push({ body: JSON.parse(text), requestId: req.headers['x-request-id'] });
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: 'c-1',
          model: 'tools',
          choices: [{ message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          data: [],
        }),
      );
    });
  });
  await new Promise<void>((r) => capture.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(capture.address() as { port: number }).port}`;
  const body = parseChatRequest({
    model: 'tools',
    messages: [
      { role: 'developer', content: 'Use the tools.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather in ' },
          { type: 'text', text: 'Oslo?' },
        ],
        name: 'ada',
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"celsius":3}' },
      { role: 'user', content: '' },
    ],
    tools: [
      {
        type: 'function',
        function: {
          name: 'weather',
          description: 'Weather now',
          parameters: { type: 'object', properties: {} },
        },
      },
    ],
    tool_choice: 'auto',
    parallel_tool_calls: false,
    max_completion_tokens: 64,
    temperature: 0,
    stop: ['END'],
  });
  const server = await startRouterServer({
    config: parseRoutingConfig({
      backends: { capture: { url } },
      models: { tools: { backends: [{ backend: 'capture' }] } },
      healthCheck: { intervalMs: 60_000, timeoutMs: 500, unhealthyThreshold: 1 },
    }),
    port: 0,
  });
  const client = new RouterClient(
    `127.0.0.1:${server.port}`,
    grpc.credentials.createInsecure(),
  ) as unknown as Client;
  try {
    await server.router.health.firstRound;
    const reply = await new Promise<Reply>((resolve) =>
      client.Generate!(
        chatRequestToProto(body),
        contextMetadata('req-intact', 'user-7'),
        { deadline: Date.now() + 10_000 },
        (error: grpc.ServiceError | null, value: unknown) => resolve({ error, value }),
      ),
    );
    assert.equal(reply.error, null, reply.error?.message);
    const { stream: _stream, ...expected } = body;
    assert.deepEqual(received.at(-1)?.body, { ...expected, stream: false });
    assert.equal(received.at(-1)?.requestId, 'req-intact');
    const line = logs.records().find((r) => r.message === 'generate routed' && r.request_id === 'req-intact');
    assert.equal(line?.user_id, 'user-7');
  } finally {
    client.close();
    await server.close();
    await new Promise((r) => capture.close(r));
  }
});
