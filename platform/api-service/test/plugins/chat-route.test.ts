import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { after, describe, test } from 'node:test';
import type { UsageRow } from '../../src/internal/db/usage-writer.js';
import { KnownModels } from '../../src/internal/known-models.js';
import type { CachedCompletion } from '../../src/internal/redis/response-cache.js';
import { ApiKeyCache } from '../../src/keys/api-key-cache.js';
import { CHAT_ROUTE } from '../../src/plugins/api-call.js';
import { authPlugin } from '../../src/plugins/auth.js';
import { type ChatRouter, chatRoutePlugin } from '../../src/plugins/chat-route.js';
import { limitsPlugin } from '../../src/plugins/limits.js';
import { responseCachePlugin } from '../../src/plugins/response-cache.js';
import { usagePlugin } from '../../src/plugins/usage.js';
import type { GenerateChunk, GenerateRequest } from '../../src/router/model-router-client.js';
import { baseApp, KEY, keyRecord, testTelemetry, upGuard } from '../support/plugin-app.js';

const telemetry = testTelemetry([]);
const requests: GenerateRequest[] = [];
const spent: number[] = [];
const rows: UsageRow[] = [];
const cached = new Map<string, CachedCompletion>();
const models = new KnownModels();

const router: ChatRouter = {
  generate: async (request) => {
    requests.push(request);
    return {
      id: 'chatcmpl-fake',
      model: request.model ?? '',
      content: `echo ${request.messages?.at(-1)?.content}`,
      finish_reason: 'stop',
      usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 },
      backend: 'fake',
      time_to_first_token_seconds: 0.01,
    };
  },
  generateStream: (request) => {
    requests.push(request);
    const stream = Object.assign(new EventEmitter(), { cancel: () => {} });
    setImmediate(() => {
      const chunk = (delta: string, finish = ''): GenerateChunk => ({
        id: 'chatcmpl-stream',
        model: request.model ?? '',
        delta,
        finish_reason: finish,
        usage: finish ? { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 } : null,
        backend: 'fake',
      });
      stream.emit('data', chunk('one '));
      stream.emit('data', chunk('two', 'stop'));
      stream.emit('end');
    });
    return stream as unknown as ReturnType<ChatRouter['generateStream']>;
  },
};

const app = baseApp(telemetry);
app.register(authPlugin, {
  keys: { findByKey: async () => keyRecord() },
  keyCache: new ApiKeyCache(),
  guard: upGuard,
  telemetry,
  warnOutage: () => {},
  retryAfterSeconds: 5,
});
app.register(limitsPlugin, {
  gate: { admit: async () => ({ ok: true }), spendTokens: async (_k, n) => void spent.push(n) },
  guard: upGuard,
  telemetry,
  warnOutage: () => {},
  defaultRpm: 600,
  defaultTpm: 200_000,
  failMode: 'open',
  retryAfterSeconds: 5,
});
app.register(responseCachePlugin, {
  cache: {
    keyOf: (request, userId) => `${userId}:${JSON.stringify(request)}`,
    get: async (key) => cached.get(key),
    set: async (key, value) => void cached.set(key, value),
  },
  guard: upGuard,
  telemetry,
  warnOutage: () => {},
});
app.register(usagePlugin, {
  usage: { add: (row) => void rows.push(row) },
  models,
  telemetry,
  logContent: false,
});
app.register(chatRoutePlugin, { router, models, logContent: false });
after(() => app.close());

const chat = (body: unknown) =>
  app.inject({
    method: 'POST',
    url: CHAT_ROUTE,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
const hello = { model: 'm1', messages: [{ role: 'user', content: 'hi' }] };

describe('chat route plugin', () => {
  test("an answer in OpenAI's shape, its tokens spent and accounted", async () => {
    const r = await chat(hello);
    assert.equal(r.statusCode, 200, r.body);
    const body = r.json();
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.choices[0].message.content, 'echo hi');
    assert.equal(body.usage.completion_tokens, 3);
    assert.equal(r.headers['x-opsight-cache'], 'miss');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(spent.at(-1), 5);
    assert.equal(rows.at(-1)?.completionTokens, 3);
    assert.ok(models.has('m1'));
  });

  test('temperature 0: the second identical request is answered from the cache', async () => {
    const before = requests.length;
    const first = await chat({ ...hello, temperature: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    const second = await chat({ ...hello, temperature: 0 });
    assert.equal(first.headers['x-opsight-cache'], 'miss');
    assert.equal(second.headers['x-opsight-cache'], 'hit');
    assert.equal(second.json().choices[0].message.content, 'echo hi');
    assert.equal(requests.length, before + 1);
    assert.equal(rows.at(-1)?.cached, true);
  });

  test('stream: server-sent chunks, then [DONE]', async () => {
    const r = await chat({ ...hello, stream: true });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^text\/event-stream/);
    const events = r.body.split('\n\n').filter(Boolean);
    assert.equal(events.at(-1), 'data: [DONE]');
    const deltas = events
      .slice(0, -1)
      .map((e) => JSON.parse(e.slice('data: '.length)).choices[0].delta.content ?? '')
      .join('');
    assert.equal(deltas, 'one two');
    assert.equal(rows.at(-1)?.stream, true);
  });

  test('a bad body is 400 INVALID_REQUEST naming the field', async () => {
    const r = await chat({ model: 'm1', messages: [] });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().error.code, 'INVALID_REQUEST');
    assert.equal(r.json().error.param, 'messages');
  });
});
