import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, opsight, port } from '../src/env.js';

// The platform's bad inputs, each sent through the nginx gateway of the running stack: the client sees
// a stable error code, the offending field where there is one, and the trace id of the request.

const GATEWAY = `http://127.0.0.1:${port(8080)}`;

interface ApiError {
  error: { code: string; param?: string | null; trace_id?: string };
}

function createKey(extra: string[] = []): string {
  const r = opsight(['keys', 'create', '--user', 'e2e-errors', ...extra]);
  assert.equal(r.status, 0, r.stderr);
  const key = /^(sk-\S+)$/m.exec(r.stdout)?.[1];
  assert.ok(key, r.stdout);
  return key;
}

async function chat(
  key: string | undefined,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: ApiError; headers: Headers }> {
  const res = await fetch(`${GATEWAY}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === undefined ? {} : { authorization: key.startsWith('Bearer') ? key : `Bearer ${key}` }),
      ...headers,
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as ApiError, headers: res.headers };
}

const ok = JSON.stringify({ model: 'chat-fast', messages: [{ role: 'user', content: 'hi' }] });

test('keys: missing, malformed, unknown, revoked and expired are distinct 401s', async () => {
  const cases: [string | undefined, string][] = [
    [undefined, 'API_KEY_MISSING'],
    ['Bearer not-a-key', 'API_KEY_MALFORMED'],
    [`sk-${'A'.repeat(43)}`, 'API_KEY_UNKNOWN'],
  ];
  for (const [key, code] of cases) {
    const r = await chat(key, ok);
    assert.equal(r.status, 401, `${code}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, code);
    assert.match(r.body.error.trace_id ?? '', /^[0-9a-f]{32}$/);
  }
  const revoked = createKey();
  assert.equal(opsight(['keys', 'revoke', revoked.slice(0, 11)]).status, 0);
  const expired = createKey(['--expires-in', '1s']);
  // Past the expiry, and past the service's 5 s key cache.
  await new Promise((r) => setTimeout(r, 6000));
  assert.equal((await chat(revoked, ok)).body.error.code, 'API_KEY_REVOKED');
  assert.equal((await chat(expired, ok)).body.error.code, 'API_KEY_EXPIRED');
});

test('bodies: malformed JSON, a missing field and a wrong type are 400s naming the field', async () => {
  const key = createKey();
  const malformed = await chat(key, '{"model": "chat-fast", "messages": [');
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.error.code, 'INVALID_JSON');
  const missing = await chat(key, JSON.stringify({ model: 'chat-fast' }));
  assert.equal(missing.status, 400);
  assert.equal(missing.body.error.param, 'messages');
  const wrongType = await chat(key, JSON.stringify({ model: 'chat-fast', messages: 'hi' }));
  assert.equal(wrongType.status, 400);
  assert.equal(wrongType.body.error.param, 'messages');
  const temperature = await chat(
    key,
    JSON.stringify({ model: 'chat-fast', messages: [{ role: 'user', content: 'x' }], temperature: 'hot' }),
  );
  assert.equal(temperature.status, 400);
  assert.equal(temperature.body.error.param, 'temperature');
});

test('an unknown model is a 404 with the trace id', async () => {
  const key = createKey();
  const r = await chat(
    key,
    JSON.stringify({ model: 'gpt-none', messages: [{ role: 'user', content: 'x' }] }),
  );
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, 'MODEL_NOT_FOUND');
  assert.match(r.body.error.trace_id ?? '', /^[0-9a-f]{32}$/);
});

test('over the per-key request limit: 429 with Retry-After', async () => {
  const key = createKey(['--rpm', '2']);
  const statuses: number[] = [];
  let limited: { status: number; body: ApiError; headers: Headers } | undefined;
  for (let i = 0; i < 4 && !limited; i++) {
    const r = await chat(key, ok);
    statuses.push(r.status);
    if (r.status === 429) limited = r;
  }
  assert.ok(limited, `statuses ${statuses.join(',')}`);
  assert.equal(limited.body.error.code, 'RATE_LIMITED_REQUESTS');
  const retryAfter = Number(limited.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${limited.headers.get('retry-after')}`);
});

test('every backend of a model failing: a 5xx whose body carries the trace id', async () => {
  const key = createKey();
  const servings = [8090, 8091, 8092].map(port);
  const set = (method: string, body?: string) =>
    Promise.all(
      servings.map((p) =>
        fetch(`http://127.0.0.1:${p}/admin/faults`, {
          method,
          headers: body ? { 'content-type': 'application/json' } : {},
          body,
        }),
      ),
    );
  await set('POST', JSON.stringify({ overloadRate: 1 }));
  try {
    const r = await chat(key, ok);
    assert.ok([502, 503, 504].includes(r.status), `status ${r.status}: ${JSON.stringify(r.body)}`);
    assert.ok(
      ['BACKEND_UNAVAILABLE', 'UPSTREAM_ERROR', 'UPSTREAM_TIMEOUT'].includes(r.body.error.code),
      r.body.error.code,
    );
    assert.match(r.body.error.trace_id ?? '', /^[0-9a-f]{32}$/);
    assert.equal(r.headers.get('traceparent')?.split('-')[1], r.body.error.trace_id);
  } finally {
    await set('DELETE');
  }
  // Leave the stack as found: every model answers again (circuit breakers closed) before the next test.
  for (const model of ['chat-fast', 'chat-large', 'chat-small']) {
    const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'again' }], max_tokens: 2 });
    await eventually(`${model} answering again`, async () => (await chat(key, body)).status === 200, 60_000);
  }
});

test('a client that goes away mid-stream: the generation stops and each hop logs it as cancelled', async () => {
  const key = createKey();
  const controller = new AbortController();
  const res = await fetch(`${GATEWAY}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    // The large model's many slow tokens: the stream is still running when the client leaves.
    body: JSON.stringify({
      model: 'chat-large',
      messages: [{ role: 'user', content: 'a long story, please' }],
      stream: true,
      max_tokens: 4096,
    }),
    signal: controller.signal,
  });
  assert.equal(res.status, 200);
  const traceId = res.headers.get('traceparent')?.split('-')[1];
  assert.match(traceId ?? '', /^[0-9a-f]{32}$/);
  const reader = res.body!.getReader();
  const first = await reader.read();
  assert.match(Buffer.from(first.value ?? []).toString(), /^data: /);
  controller.abort();
  await reader.cancel().catch(() => {});

  const LOGS = `http://127.0.0.1:${port(3100)}/loki/api/v1`;
  const messages = await eventually(
    'cancellation logged by api-service and model-serving',
    async () => {
      const q = encodeURIComponent(`{trace_id="${traceId}"} |= "cancelled"`);
      const body = (await (await fetch(`${LOGS}/query_range?query=${q}&limit=100`)).json()) as {
        data: { result: { stream: Record<string, string>; values: [string, string][] }[] };
      };
      const byApp = new Map(
        body.data.result.flatMap((r) => r.values.map(([, line]) => [r.stream.app, line] as const)),
      );
      return byApp.has('api-service') && byApp.has('model-serving') ? byApp : undefined;
    },
    30_000,
  );
  assert.match(messages.get('api-service') ?? '', /cancelled by the client/);
  assert.match(messages.get('model-serving') ?? '', /inference cancelled/);
});

test('a crafted path cannot add fields to the gateway 404 body: valid JSON, no request data', async () => {
  const res = await fetch(`${GATEWAY}/x%22,%22admin%22:true,%22a%22:%22`);
  assert.equal(res.status, 404);
  const text = await res.text();
  const body = JSON.parse(text) as { error: Record<string, unknown> };
  assert.deepEqual(Object.keys(body), ['error']);
  assert.deepEqual(
    Object.keys(body.error).sort(),
    ['code', 'message', 'request_id', 'trace_id', 'type'],
    text,
  );
  assert.equal(body.error.code, 'NOT_FOUND');
  assert.match(String(body.error.trace_id), /^[0-9a-f]{32}$/);
  assert.doesNotMatch(text, /admin/);
});
