import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { eventually, opsight, port } from '../src/env.js';

// The chat-request contract through the nginx gateway of the running stack: OpenAI's current request
// (the developer role, max_completion_tokens, content parts, tools) is served through every hop, as JSON
// and as SSE, and every refusal names its field in `param`.

const GATEWAY = `http://127.0.0.1:${port(8080)}`;
const LOGS = `http://127.0.0.1:${port(3100)}/loki/api/v1`;
const USER = 'e2e-chat-contract';

let key: string;
before(() => {
  const created = opsight(['keys', 'create', '--user', USER, '--expires-in', '30d']);
  assert.equal(created.status, 0, created.stderr);
  const found = /^(sk-\S+)$/m.exec(created.stdout)?.[1];
  assert.ok(found, created.stdout);
  key = found;
});

function post(body: string | object): Promise<Response> {
  return fetch(`${GATEWAY}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The data events of an SSE body, `[DONE]` last. */
function events(text: string): string[] {
  return text
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice('data: '.length));
}

const current = {
  model: 'chat-fast',
  messages: [
    { role: 'developer', content: 'Answer in a few words.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Say ' },
        { type: 'text', text: 'hello.' },
      ],
    },
  ],
  max_completion_tokens: 3,
  tools: [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'The weather in a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    },
  ],
  tool_choice: 'auto',
};

test('developer role, content parts, tools and max_completion_tokens: served as JSON', async () => {
  const res = await post(current);
  const body = (await res.json()) as {
    choices: { message: { role: string; content: string }; finish_reason: string }[];
    usage: { completion_tokens: number };
  };
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.choices[0]?.message.role, 'assistant');
  assert.ok((body.choices[0]?.message.content ?? '').length > 0);
  // The budget reached the model: the simulated model stops at it.
  assert.ok(body.usage.completion_tokens <= 3, JSON.stringify(body.usage));
  assert.equal(
    body.choices[0]?.finish_reason,
    body.usage.completion_tokens === 3 ? 'length' : 'stop',
    JSON.stringify(body),
  );
});

test('the same request streamed: SSE chunks, usage on the last, then [DONE]', async () => {
  const res = await post({ ...current, stream: true, stream_options: { include_usage: true } });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const data = events(text);
  assert.equal(data.at(-1), '[DONE]');
  const chunks = data.slice(0, -1).map(
    (e) =>
      JSON.parse(e) as {
        choices: { delta: { content?: string }; finish_reason: string | null }[];
        usage?: { completion_tokens: number };
      },
  );
  const last = chunks.at(-1);
  assert.ok(last?.choices[0]?.finish_reason, text);
  assert.ok((last?.usage?.completion_tokens ?? 99) <= 3, text);
  assert.ok(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('').length > 0);
});

test('max_tokens alone still works (the deprecated alias)', async () => {
  const res = await post({ model: 'chat-fast', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
  const body = (await res.json()) as { usage: { completion_tokens: number } };
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.ok(body.usage.completion_tokens <= 2);
});

const user = { role: 'user', content: 'hi' };
const base = { model: 'chat-fast', messages: [user] };

/** Bad requests through the gateway, each with the `param` its 400 names. */
const BAD: [string, string | object, string][] = [
  ['malformed JSON', '{"model": "chat-fast", "messages": [', 'body'],
  ['a JSON array', '[]', 'body'],
  ['model missing', { messages: [user] }, 'model'],
  ['messages empty', { ...base, messages: [] }, 'messages'],
  ['an unknown role', { ...base, messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role'],
  ['content missing', { ...base, messages: [{ role: 'user' }] }, 'messages[0].content'],
  [
    'an image part',
    {
      ...base,
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x' } }] }],
    },
    'messages[0].content[0].type',
  ],
  [
    'a tool message without tool_call_id',
    { ...base, messages: [{ role: 'tool', content: 'x' }] },
    'messages[0].tool_call_id',
  ],
  [
    'tool_calls on a user message',
    {
      ...base,
      messages: [
        { ...user, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      ],
    },
    'messages[0].tool_calls',
  ],
  ['max_completion_tokens zero', { ...base, max_completion_tokens: 0 }, 'max_completion_tokens'],
  [
    'max_completion_tokens above the limit',
    { ...base, max_completion_tokens: 1_000_000 },
    'max_completion_tokens',
  ],
  ['max_tokens above the limit', { ...base, max_tokens: 1_000_000 }, 'max_tokens'],
  ['both token fields, different', { ...base, max_tokens: 4, max_completion_tokens: 8 }, 'max_tokens'],
  ['temperature out of range', { ...base, temperature: 3 }, 'temperature'],
  ['a fifth stop sequence', { ...base, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
  [
    'a tool with a space in its name',
    { ...base, tools: [{ type: 'function', function: { name: 'get weather' } }] },
    'tools[0].function.name',
  ],
  ['tool_choice without tools', { ...base, tool_choice: 'required' }, 'tool_choice'],
  ['stream not a boolean', { ...base, stream: 'yes' }, 'stream'],
];

test('every bad request is a 400 in OpenAI shape naming its param', async () => {
  for (const [name, body, param] of BAD) {
    const res = await post(body);
    const answer = (await res.json()) as {
      error: { type: string; code: string; param: string | null; message: string };
    };
    assert.equal(res.status, 400, `${name}: ${JSON.stringify(answer)}`);
    assert.equal(answer.error.type, 'invalid_request_error', name);
    assert.equal(answer.error.param, param, `${name}: ${JSON.stringify(answer)}`);
    assert.ok(answer.error.message.length > 0, name);
  }
});

test("the router's log line carries request_id and user_id, which travel in metadata", async () => {
  const res = await post(base);
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  const requestId = res.headers.get('x-request-id') ?? '';
  const [, traceId] = /^00-([0-9a-f]{32})-/.exec(res.headers.get('traceparent') ?? '') ?? [];
  assert.ok(requestId && traceId);
  const fields = await eventually(
    'the model-router line of the request',
    async () => {
      const q = encodeURIComponent(`{trace_id="${traceId}"}`);
      const body = (await (await fetch(`${LOGS}/query_range?query=${q}&limit=100`)).json()) as {
        data: {
          result: { stream: Record<string, string>; values: [string, string, Record<string, string>?][] }[];
        };
      };
      for (const r of body.data.result.filter((x) => x.stream.app === 'model-router'))
        for (const [, line, metadata] of r.values) {
          const parsed = { ...(JSON.parse(line) as Record<string, unknown>), ...metadata };
          if (parsed.message === 'generate routed') return parsed;
        }
      return undefined;
    },
    30_000,
  );
  assert.equal(fields.request_id, requestId);
  assert.equal(fields.user_id, USER);
});
