import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { initTelemetry, type Telemetry } from '@opsight/telemetry';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import pg from 'pg';
import { ApiKeyStore, type ApiService, buildApiService, ModelRouterClient, migrate } from '../src/index.js';
import { startPostgres, startRedis, type Throwaway } from '../src/testing/throwaway-databases.js';
import { FakeModelRouter } from './support/fake-model-router.js';

const lines: string[] = [];
const spans = new InMemorySpanExporter();
let telemetry: Telemetry;
let postgres: Throwaway;
let redisServer: Throwaway;
let pool: pg.Pool;
let redis: Redis;
let router: FakeModelRouter;
let client: ModelRouterClient;
let service: ApiService;
let store: ApiKeyStore;
let clock = Date.UTC(2026, 10, 26, 8, 0, 15);
let key: string;
const secrets: string[] = [];

const SECRET_PROMPT = 'the launch code is 0000-secret-prompt';

async function newKey(options: Partial<Parameters<ApiKeyStore['create']>[0]> = {}) {
  const created = await store.create({ userId: 'user-a', ...options });
  secrets.push(created.key);
  return created;
}

function chat(body: unknown, auth: string | null = key, headers: Record<string, string> = {}) {
  return service.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: {
      'content-type': 'application/json',
      ...(auth ? { authorization: `Bearer ${auth}` } : {}),
      ...headers,
    },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const hello = (model = 'sim-small', extra: object = {}) => ({
  model,
  messages: [{ role: 'user', content: 'hello there' }],
  ...extra,
});

async function metrics(): Promise<string> {
  return (await service.app.inject({ method: 'GET', url: '/metrics' })).body;
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

before(async () => {
  telemetry = initTelemetry({
    service: 'api-service',
    handleSignals: false,
    defaultMetrics: false,
    instrumentFetch: false,
    env: {},
    spanExporter: spans,
    logDestination: { write: (line: string) => void lines.push(line) },
  });
  [postgres, redisServer] = await Promise.all([startPostgres(), startRedis()]);
  pool = new pg.Pool({ connectionString: postgres.url, max: 5 });
  // An idle connection ended by the server's shutdown at teardown is expected, not a failure.
  pool.on('error', () => {});
  redis = new Redis(redisServer.port, '127.0.0.1', { lazyConnect: false, maxRetriesPerRequest: 1 });
  router = new FakeModelRouter();
  const address = await router.start();
  client = new ModelRouterClient(address, { timeoutMs: 500 });
  assert.deepEqual(await migrate(pool), [1, 2]);
  store = new ApiKeyStore(pool);
  key = (await newKey()).key;
  service = buildApiService({
    pool,
    redis,
    router: client,
    telemetry,
    keyCacheTtlMs: 0,
    bodyLimitBytes: 64 * 1024,
    usageFlushIntervalMs: 60_000,
    now: () => clock,
  });
  await service.refresh();
});

after(async () => {
  await service?.close();
  client?.close();
  await router?.stop();
  redis?.disconnect();
  await pool?.end();
  await Promise.all([postgres?.stop(), redisServer?.stop()]);
  await telemetry?.shutdown();
});

describe('migrations', () => {
  test('a second run applies nothing', async () => {
    assert.deepEqual(await migrate(pool), []);
    const { rows } = await pool.query('SELECT version FROM api_schema_migrations ORDER BY version');
    assert.deepEqual(
      rows.map((r) => r.version),
      [1, 2],
    );
  });
});

describe('API keys', () => {
  test('are stored as SHA-256 hashes with a display prefix, never in clear', async () => {
    const { record, key: secret } = await newKey({ name: 'stored' });
    const { rows } = await pool.query('SELECT * FROM api_keys WHERE id = $1', [record.id]);
    assert.equal(rows[0].prefix, secret.slice(0, 11));
    assert.equal(rows[0].key_hash.length, 32);
    assert.ok(!JSON.stringify(rows[0]).includes(secret.slice(11)));
  });

  const cases: [string, () => Promise<string | null> | string | null, string][] = [
    ['missing', () => null, 'API_KEY_MISSING'],
    ['malformed', () => 'sk-short', 'API_KEY_MALFORMED'],
    ['unknown', () => `sk-${'A'.repeat(43)}`, 'API_KEY_UNKNOWN'],
    [
      'expired',
      async () => {
        const created = await newKey({ expiresInMs: 1 });
        await new Promise((r) => setTimeout(r, 5));
        return created.key;
      },
      'API_KEY_EXPIRED',
    ],
    [
      'revoked',
      async () => {
        const created = await newKey();
        await store.revoke(created.record.prefix);
        return created.key;
      },
      'API_KEY_REVOKED',
    ],
  ];
  for (const [name, makeKey, code] of cases) {
    test(`a ${name} key gets 401 ${code}`, async () => {
      const res = await chat(hello(), await makeKey());
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().error.code, code);
      assert.match(res.json().error.trace_id, /^[0-9a-f]{32}$/);
    });
  }

  test('a scheme other than Bearer is malformed', async () => {
    const res = await service.app.inject({
      method: 'GET',
      url: '/v1/models',
      headers: { authorization: `Basic ${key}` },
    });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'API_KEY_MALFORMED');
  });
});

describe('bad input', () => {
  const cases: [string, string | object, number, string, string | null][] = [
    ['malformed JSON', '{"model": "sim-small", "messages": [', 400, 'INVALID_JSON', 'body'],
    ['an empty body', '', 400, 'INVALID_JSON', 'body'],
    ['a JSON array', '[]', 400, 'INVALID_REQUEST', 'body'],
    ['missing messages', { model: 'sim-small' }, 400, 'INVALID_REQUEST', 'messages'],
    ['missing model', { messages: [{ role: 'user', content: 'x' }] }, 400, 'INVALID_REQUEST', 'model'],
    ['a numeric model', hello(42 as unknown as string), 400, 'INVALID_REQUEST', 'model'],
    ['messages as a string', { model: 'sim-small', messages: 'hi' }, 400, 'INVALID_REQUEST', 'messages'],
    ['empty messages', { model: 'sim-small', messages: [] }, 400, 'INVALID_REQUEST', 'messages'],
    [
      'a numeric content',
      {
        model: 'sim-small',
        messages: [
          { role: 'user', content: 'a' },
          { role: 'user', content: 7 },
        ],
      },
      400,
      'INVALID_REQUEST',
      'messages[1].content',
    ],
    [
      'an unknown role',
      { model: 'sim-small', messages: [{ role: 'wizard', content: 'a' }] },
      400,
      'INVALID_REQUEST',
      'messages[0].role',
    ],
    [
      'a string temperature',
      hello('sim-small', { temperature: 'hot' }),
      400,
      'INVALID_REQUEST',
      'temperature',
    ],
    [
      'temperature out of range',
      hello('sim-small', { temperature: 3 }),
      400,
      'INVALID_REQUEST',
      'temperature',
    ],
    [
      'a fractional max_tokens',
      hello('sim-small', { max_tokens: 1.5 }),
      400,
      'INVALID_REQUEST',
      'max_tokens',
    ],
    ['a string stream', hello('sim-small', { stream: 'yes' }), 400, 'INVALID_REQUEST', 'stream'],
    ['a numeric stop', hello('sim-small', { stop: 5 }), 400, 'INVALID_REQUEST', 'stop'],
    [
      'max_completion_tokens above the limit',
      hello('sim-small', { max_completion_tokens: 1_000_000 }),
      400,
      'INVALID_REQUEST',
      'max_completion_tokens',
    ],
    [
      'both token fields, different',
      hello('sim-small', { max_tokens: 8, max_completion_tokens: 16 }),
      400,
      'INVALID_REQUEST',
      'max_tokens',
    ],
    [
      'an image part',
      { model: 'sim-small', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] },
      400,
      'INVALID_REQUEST',
      'messages[0].content[0].type',
    ],
    [
      'a tool message without tool_call_id',
      { model: 'sim-small', messages: [{ role: 'tool', content: 'x' }] },
      400,
      'INVALID_REQUEST',
      'messages[0].tool_call_id',
    ],
    [
      'a tool with a bad name',
      hello('sim-small', { tools: [{ type: 'function', function: { name: 'get weather' } }] }),
      400,
      'INVALID_REQUEST',
      'tools[0].function.name',
    ],
    ['refused by the router', hello('refused'), 400, 'INVALID_REQUEST', 'messages[0].content'],
  ];
  for (const [name, body, status, code, param] of cases) {
    test(`${name} → ${status} ${code} naming ${param}`, async () => {
      const res = await chat(body);
      assert.equal(res.statusCode, status, res.body);
      assert.equal(res.json().error.code, code);
      assert.equal(res.json().error.param, param);
    });
  }

  test('a body over the limit gets 413', async () => {
    const res = await chat(hello('sim-small', { padding: 'x'.repeat(70 * 1024) }));
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.code, 'REQUEST_BODY_TOO_LARGE');
  });

  test('a body that is not JSON gets 415', async () => {
    const res = await chat('hello', key, { 'content-type': 'text/plain' });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json().error.code, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('an unknown path gets 404 NOT_FOUND', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/v1/nothing' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'NOT_FOUND');
  });
});

describe('completions', () => {
  test('non-stream: an OpenAI chat.completion with usage; trace context reaches the router', async () => {
    const res = await chat({ ...hello(), messages: [{ role: 'user', content: SECRET_PROMPT }] }, key, {
      'x-request-id': 'req-test-1',
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.model, 'sim-small');
    assert.equal(body.choices[0].message.role, 'assistant');
    assert.equal(body.choices[0].message.content, `echo: ${SECRET_PROMPT}`);
    assert.equal(body.choices[0].finish_reason, 'stop');
    assert.deepEqual(body.usage, { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 });
    const call = router.requests.at(-1)!;
    // Request context in metadata only, never in the message.
    assert.ok(!('request_id' in call.request) && !('user_id' in call.request));
    assert.equal(call.metadata.get('x-opsight-user-id')[0], 'user-a');
    assert.match(String(call.metadata.get('traceparent')[0]), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.equal(call.metadata.get('x-request-id')[0], 'req-test-1');
    assert.ok(call.metadata.get('grpc-timeout').length > 0 || call.request.model === 'sim-small');
  });

  test('the developer role, text parts, tools and max_completion_tokens reach the router as sent', async () => {
    const tools = [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }];
    const res = await chat({
      model: 'sim-small',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hello ' },
            { type: 'text', text: 'parts' },
          ],
        },
      ],
      tools,
      tool_choice: 'auto',
      max_completion_tokens: 64,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().choices[0].message.content, 'echo: hello parts');
    const { request } = router.requests.at(-1)!;
    assert.equal(request.messages?.[0]?.role, 'developer');
    assert.deepEqual(
      request.messages?.[1]?.parts?.parts?.map((p) => p.text),
      ['hello ', 'parts'],
    );
    assert.equal(request.max_completion_tokens, 64);
    assert.equal(request.tools?.[0]?.function?.parameters_json, '{"type":"object"}');
    assert.equal(request.tool_choice?.mode, 'auto');
  });

  test('one trace: the key lookup, the Redis calls and the router call are children of the server span', async () => {
    spans.reset();
    const res = await chat(
      hello('sim-small', { temperature: 0, messages: [{ role: 'user', content: 'trace me' }] }),
    );
    assert.equal(res.statusCode, 200);
    await telemetry.forceFlush();
    // The trace is the one whose context reached the router; earlier requests' spans may be exported too.
    const traceId = String(router.requests.at(-1)!.metadata.get('traceparent')[0]).split('-')[1];
    const trace = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const server = trace.find((s) => s.kind === SpanKind.SERVER);
    assert.ok(server, trace.map((s) => s.name).join(', '));
    assert.equal(server.name, 'POST /v1/chat/completions');
    assert.equal(server.parentSpanContext, undefined);
    const children = trace
      .filter((s) => s.parentSpanContext?.spanId === server.spanContext().spanId)
      .map((s) => [s.name, s.kind, s.attributes['db.system.name'] ?? s.attributes['rpc.system']]);
    for (const expected of [
      ['SELECT api_keys', SpanKind.CLIENT, 'postgresql'],
      ['EVALSHA', SpanKind.CLIENT, 'redis'],
      ['GET', SpanKind.CLIENT, 'redis'],
      ['opsight.router.v1.ModelRouter/Generate', SpanKind.CLIENT, 'grpc'],
    ]) {
      assert.ok(
        children.some((c) => JSON.stringify(c) === JSON.stringify(expected)),
        `${expected[0]} in ${JSON.stringify(children)}`,
      );
    }
    // No span carries the key or the prompt.
    const text = JSON.stringify(trace.map((s) => s.attributes));
    assert.equal(text.includes(key), false);
    assert.equal(text.includes('trace me'), false);
  });

  test('GET /v1/models lists the routed models', async () => {
    const res = await service.app.inject({
      method: 'GET',
      url: '/v1/models',
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(
      res.json().data.map((m: { id: string }) => m.id),
      ['sim-small', 'sim-large'],
    );
    assert.equal(res.json().object, 'list');
  });

  const failures: [string, number, string][] = [
    ['missing', 404, 'MODEL_NOT_FOUND'],
    ['down', 503, 'BACKEND_UNAVAILABLE'],
    ['slow', 504, 'UPSTREAM_TIMEOUT'],
    ['broken', 502, 'UPSTREAM_ERROR'],
  ];
  for (const [model, status, code] of failures) {
    test(`router failure for "${model}" → ${status} ${code} with the trace id`, async () => {
      const res = await chat(hello(model));
      assert.equal(res.statusCode, status, res.body);
      assert.equal(res.json().error.code, code);
      assert.match(res.json().error.trace_id, /^[0-9a-f]{32}$/);
      if (status >= 500) {
        // Only the code, fixed words and the ids: the router's details stay in its log.
        assert.deepEqual(Object.keys(res.json().error).sort(), [
          'code',
          'message',
          'param',
          'request_id',
          'trace_id',
          'type',
        ]);
        assert.doesNotMatch(res.body, /backend answered|every backend is down|stack|at .*\.js/);
      }
    });
  }

  test('an unreachable router → 503 ROUTER_UNAVAILABLE', async () => {
    const dead = new ModelRouterClient('127.0.0.1:1', { timeoutMs: 500 });
    const other = buildApiService({ pool, redis, router: dead, telemetry, keyCacheTtlMs: 0 });
    try {
      const res = await other.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        payload: JSON.stringify(hello()),
      });
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(res.json().error.code, 'ROUTER_UNAVAILABLE');
    } finally {
      await other.close();
      dead.close();
    }
  });

  test('stream: SSE chunks, the role first, finish_reason and usage last, then [DONE]', async () => {
    const res = await chat(hello('sim-large', { stream: true }));
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    const events = res.body
      .split('\n\n')
      .filter(Boolean)
      .map((e) => e.replace(/^data: /, ''));
    assert.equal(events.at(-1), '[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    assert.equal(chunks.map((c) => c.choices[0].delta.content ?? '').join(''), 'echo: hello there');
    const last = chunks.at(-1);
    assert.equal(last.choices[0].finish_reason, 'stop');
    assert.deepEqual(last.usage, { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk'));
  });

  test('stream: a failure before the first chunk is an ordinary error answer', async () => {
    const res = await chat(hello('missing', { stream: true }));
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'MODEL_NOT_FOUND');
  });

  test('stream: a failure after the first chunk ends the stream with an error event', async () => {
    const res = await chat(hello('flaky', { stream: true }));
    assert.equal(res.statusCode, 200);
    const events = res.body.split('\n\n').filter(Boolean);
    assert.match(events[0]!, /"content":"partial "/);
    const last = JSON.parse(events.at(-1)!.replace(/^data: /, ''));
    assert.equal(last.error.code, 'UPSTREAM_ERROR');
    assert.match(last.error.trace_id, /^[0-9a-f]{32}$/);
    assert.equal(res.body.includes('[DONE]'), false);
  });

  test('Redis unreachable → served (limits fail open), and /healthz says degraded', async () => {
    const down = new Redis(1, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    down.on('error', () => {});
    const other = buildApiService({ pool, redis: down, router: client, telemetry, keyCacheTtlMs: 0 });
    try {
      const res = await other.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        payload: JSON.stringify(hello()),
      });
      assert.equal(res.statusCode, 200, res.body);
      const health = await other.app.inject({ method: 'GET', url: '/healthz' });
      assert.equal(health.statusCode, 200);
      assert.deepEqual(health.json(), { status: 'degraded', checks: { postgres: 'ok', redis: 'failing' } });
    } finally {
      await other.close();
      down.disconnect();
    }
  });

  test('stream: a client that disconnects cancels the gRPC stream', { timeout: 20_000 }, async () => {
    await service.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = service.app.server.address() as { port: number };
    const before = router.cancelled;
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/chat/completions',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        },
        (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        },
      );
      req.on('error', (error) => {
        if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error);
      });
      req.end(JSON.stringify(hello('endless', { stream: true })));
    });
    for (let i = 0; i < 200 && router.cancelled === before; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(router.cancelled, before + 1);
    for (let i = 0; i < 200 && !lines.some((l) => l.includes('cancelled by the client')); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const line = JSON.parse(lines.find((l) => l.includes('cancelled by the client'))!);
    assert.equal(line.status, 499);
    assert.equal(line.error_code, 'CLIENT_CANCELLED');
    assert.equal(line.model_name, 'endless');
  });
});

describe('the official openai client', () => {
  test('works unchanged: models, a completion, a stream with usage, and errors as APIError', async () => {
    await service.app.listen({ host: '127.0.0.1', port: 0 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'FST_ERR_REOPENED_SERVER') throw error;
    });
    const { port } = service.app.server.address() as { port: number };
    const openai = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: key, maxRetries: 0 });
    const models = await openai.models.list();
    assert.deepEqual(
      models.data.map((m) => m.id),
      ['sim-small', 'sim-large'],
    );
    const completion = await openai.chat.completions.create({
      model: 'sim-small',
      messages: [{ role: 'user', content: 'hi from openai' }],
    });
    assert.equal(completion.choices[0]!.message.content, 'echo: hi from openai');
    assert.equal(completion.usage?.total_tokens, 7);
    const stream = await openai.chat.completions.create({
      model: 'sim-large',
      messages: [{ role: 'user', content: 'stream it' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'echo: stream it');
    assert.equal(usage?.completion_tokens, 3);
    await assert.rejects(
      openai.chat.completions.create({ model: 'missing', messages: [{ role: 'user', content: 'x' }] }),
      (error: unknown) =>
        error instanceof OpenAI.NotFoundError &&
        (error.error as { code?: string }).code === 'MODEL_NOT_FOUND',
    );
    const bad = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-nope', maxRetries: 0 });
    await assert.rejects(bad.models.list(), OpenAI.AuthenticationError);
  });
});

describe('limits', () => {
  test('over requests/min → 429 RATE_LIMITED_REQUESTS with Retry-After to the window end', async () => {
    const { key: limited } = await newKey({ rpmLimit: 2 });
    assert.equal((await chat(hello(), limited)).statusCode, 200);
    assert.equal((await chat(hello(), limited)).statusCode, 200);
    const res = await chat(hello(), limited);
    assert.equal(res.statusCode, 429);
    assert.equal(res.json().error.code, 'RATE_LIMITED_REQUESTS');
    // The clock is 15 s into its minute.
    assert.equal(res.headers['retry-after'], '45');
    clock += 60_000;
    assert.equal((await chat(hello(), limited)).statusCode, 200, 'a new window admits again');
  });

  test('over tokens/min → 429 RATE_LIMITED_TOKENS', async () => {
    const { key: limited, record } = await newKey({ tpmLimit: 5 });
    assert.equal((await chat(hello(), limited)).statusCode, 200);
    // Tokens are added once the answer is known, without delaying it: wait for the write.
    const windowKey = `opsight:api:rl:${record.id}:t:${Math.floor(clock / 60_000)}`;
    for (let i = 0; i < 200 && (await redis.get(windowKey)) === null; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const res = await chat(hello(), limited);
    assert.equal(res.statusCode, 429);
    assert.equal(res.json().error.code, 'RATE_LIMITED_TOKENS');
    assert.ok(Number(res.headers['retry-after']) >= 1);
    assert.match(await metrics(), /rate_limit_rejections_total\{limit="tokens"\} 1/);
  });
});

describe('response cache', () => {
  test('identical non-stream temperature 0 requests are answered once by the router', async () => {
    const body = hello('sim-small', { temperature: 0, messages: [{ role: 'user', content: 'cache me' }] });
    const calls = router.requests.length;
    const before = await metrics();
    const first = await chat(body);
    const second = await chat(body);
    assert.equal(first.headers['x-opsight-cache'], 'miss');
    assert.equal(second.headers['x-opsight-cache'], 'hit');
    assert.equal(second.json().choices[0].message.content, first.json().choices[0].message.content);
    assert.deepEqual(second.json().usage, first.json().usage);
    assert.equal(router.requests.length, calls + 1);
    const text = await metrics();
    for (const series of ['cache_hits_total{cache="response"}', 'cache_misses_total{cache="response"}']) {
      assert.equal(sample(text, series)! - sample(before, series)!, 1, series);
    }
  });

  test("per user: user B sending user A's exact prompt gets a miss, and A's answer is not revealed", async () => {
    const prompt = hello('sim-small', {
      temperature: 0,
      messages: [{ role: 'user', content: 'a prompt only user-a sent' }],
    });
    const { key: aOther } = await newKey({ userId: 'user-a' });
    const { key: b } = await newKey({ userId: 'user-b' });
    const calls = router.requests.length;
    assert.equal((await chat(prompt)).headers['x-opsight-cache'], 'miss');
    assert.equal((await chat(prompt)).headers['x-opsight-cache'], 'hit', "A's own repeat hits");
    assert.equal((await chat(prompt, aOther)).headers['x-opsight-cache'], 'hit', "A's other key hits");
    const probe = await chat(prompt, b);
    assert.equal(probe.statusCode, 200);
    assert.equal(probe.headers['x-opsight-cache'], 'miss', 'B learns nothing about A');
    assert.equal(router.requests.length, calls + 2, "B's answer came from the model");
    assert.equal((await chat(prompt, b)).headers['x-opsight-cache'], 'hit', "then B's own repeat hits");
  });

  test('shared only when asked: then any user hits on another user’s prompt', async () => {
    const shared = buildApiService({
      pool,
      redis,
      router: client,
      telemetry,
      keyCacheTtlMs: 0,
      usageFlushIntervalMs: 60_000,
      now: () => clock,
      cacheScope: 'shared',
    });
    try {
      const prompt = hello('sim-small', {
        temperature: 0,
        messages: [{ role: 'user', content: 'shared one' }],
      });
      const { key: b } = await newKey({ userId: 'user-b' });
      const send = (auth: string) =>
        shared.app.inject({
          method: 'POST',
          url: '/v1/chat/completions',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}` },
          payload: JSON.stringify(prompt),
        });
      assert.equal((await send(key)).headers['x-opsight-cache'], 'miss');
      assert.equal((await send(b)).headers['x-opsight-cache'], 'hit');
    } finally {
      await shared.close();
    }
  });

  test('other temperatures and streams are not cached', async () => {
    const calls = router.requests.length;
    const body = hello('sim-small', { temperature: 0.7, messages: [{ role: 'user', content: 'warm' }] });
    await chat(body);
    await chat(body);
    await chat({ ...body, temperature: 0, stream: true });
    await chat({ ...body, temperature: 0, stream: true });
    assert.equal(router.requests.length, calls + 4);
  });
});

describe('metrics and usage', () => {
  test('api_key_expiry_timestamp_seconds for active, unexpired keys only', async () => {
    const live = await newKey({ expiresInMs: 30 * 86_400_000 });
    const revoked = await newKey({ expiresInMs: 30 * 86_400_000 });
    await store.revoke(revoked.record.id);
    await service.refresh();
    const text = await metrics();
    assert.equal(
      sample(text, `api_key_expiry_timestamp_seconds{key_id="${live.record.id}"}`),
      Math.floor(live.record.expiresAt!.getTime() / 1000),
    );
    assert.equal(text.includes(revoked.record.id), false);
    assert.equal(text.includes('sk-'), false);
  });

  test('API calls by model and status; unknown models are "other"; active users in 1 h and 1 day', async () => {
    const { key: other } = await newKey({ userId: 'user-b' });
    await chat(hello('sim-large'), other);
    await chat(hello('missing'));
    await service.refresh();
    const text = await metrics();
    assert.ok(sample(text, 'api_requests_total{model_name="sim-large",status="200"}')! >= 1);
    assert.ok(sample(text, 'api_requests_total{model_name="other",status="404"}')! >= 1);
    assert.ok(sample(text, 'api_requests_total{model_name="none",status="401"}')! >= 5);
    assert.ok(sample(text, 'api_tokens_total{model_name="sim-small",direction="completion"}')! > 0);
    assert.equal(sample(text, 'api_active_users{window="1h"}'), 2);
    assert.equal(sample(text, 'api_active_users{window="1d"}'), 2);
    assert.equal(text.includes('user-a'), false);
  });

  test('usage rows are batched into PostgreSQL', async () => {
    const { key: counted, record } = await newKey({ userId: 'user-c' });
    await chat(hello(), counted);
    await chat(hello('missing'), counted);
    await chat(hello('sim-large', { stream: true }), counted);
    const { rows: none } = await pool.query('SELECT 1 FROM api_usage WHERE key_id = $1', [record.id]);
    assert.equal(none.length, 0, 'rows wait for the batch');
    await service.flushUsage();
    const { rows } = await pool.query(
      `SELECT user_id, model, status, error_code, prompt_tokens, completion_tokens, total_tokens, stream, cached
       FROM api_usage WHERE key_id = $1 ORDER BY id`,
      [record.id],
    );
    assert.deepEqual(rows, [
      {
        user_id: 'user-c',
        model: 'sim-small',
        status: 200,
        error_code: null,
        prompt_tokens: 2,
        completion_tokens: 3,
        total_tokens: 5,
        stream: false,
        cached: false,
      },
      {
        user_id: 'user-c',
        model: 'missing',
        status: 404,
        error_code: 'MODEL_NOT_FOUND',
        prompt_tokens: 0,
        completion_tokens: 0,
        total_tokens: 0,
        stream: false,
        cached: false,
      },
      {
        user_id: 'user-c',
        model: 'sim-large',
        status: 200,
        error_code: null,
        prompt_tokens: 2,
        completion_tokens: 3,
        total_tokens: 5,
        stream: true,
        cached: false,
      },
    ]);
    assert.ok(sample(await metrics(), 'api_usage_rows_total{outcome="written"}')! >= 3);
  });

  test('healthz and readyz report PostgreSQL and Redis', async () => {
    for (const url of ['/healthz', '/readyz']) {
      const res = await service.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { status: 'ok', checks: { postgres: 'ok', redis: 'ok' } });
    }
    assert.match(await metrics(), /^api_dependency_up\{dependency="redis"\} 1$/m);
  });

  test('prompt and completion text are logged only with the explicit opt-in', async () => {
    const optedIn = buildApiService({
      pool,
      redis,
      router: client,
      telemetry,
      keyCacheTtlMs: 0,
      logContent: true,
    });
    try {
      const res = await optedIn.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        payload: JSON.stringify(
          hello('sim-small', { messages: [{ role: 'user', content: 'opted in text' }] }),
        ),
      });
      assert.equal(res.statusCode, 200);
      await telemetry.forceFlush();
      const line = lines.map((l) => JSON.parse(l)).find((l) => l.prompt === 'user: opted in text');
      assert.ok(line, 'the opted-in line carries the prompt');
      assert.equal(line.completion, 'echo: opted in text');
    } finally {
      await optedIn.close();
    }
  });

  test('logs carry no key, no Authorization and no prompt or completion text', async () => {
    await telemetry.forceFlush();
    const all = lines.filter((l) => !l.includes('opted in text')).join('');
    assert.ok(all.includes('chat completion'));
    for (const secret of secrets) assert.equal(all.includes(secret), false);
    assert.equal(all.includes(SECRET_PROMPT), false);
    assert.equal(/Bearer /i.test(all), false);
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.message === 'chat completion' && l.user_id);
    assert.ok(line, 'a completion log line with user_id');
    assert.match(line.trace_id, /^[0-9a-f]{32}$/);
  });
});
