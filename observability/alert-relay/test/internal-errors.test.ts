import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { buildRelay } from '../src/relay.js';

// Issue 14: a 500 says a stable code only; the error (message, stack) is in the relay's log.
const SECRET = 'EACCES: open /var/lib/alert-relay/queue.db (uid 1000)';

/** A metrics registry that fails: a dependency throwing inside a route. */
class BrokenRegistry extends Registry {
  override async metrics(): Promise<string> {
    throw new Error(SECRET);
  }
}

test('a failing scrape answers 500 METRICS_UNAVAILABLE without its message; the log line has it', async (t) => {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const logAt = (level: string) => (fields: object, message: string) =>
    lines.push({ level, fields: fields as Record<string, unknown>, message });
  const app = buildRelay({
    receivers: [{ name: 'inbox', type: 'inbox' }],
    queueDir: ':memory:',
    registry: new BrokenRegistry(),
    logger: { info: logAt('info'), warn: logAt('warn'), error: logAt('error') },
  });
  t.after(() => app.close());
  const base = await app.listen({ host: '127.0.0.1', port: 0 });

  const res = await fetch(`${base}/metrics`);
  const text = await res.text();
  assert.equal(res.status, 500);
  assert.doesNotMatch(text, /EACCES|queue\.db|uid|stack|\.js:\d+/);
  assert.equal(JSON.parse(text).code, 'METRICS_UNAVAILABLE');

  const logged = lines.find((l) => l.message === 'request failed');
  assert.ok(logged, JSON.stringify(lines));
  assert.equal(logged.level, 'error');
  assert.equal(logged.fields.code, 'INTERNAL_ERROR');
  assert.equal(logged.fields.path, '/metrics');
  assert.equal(logged.fields.error, SECRET);
  assert.match(String(logged.fields.stack), /BrokenRegistry|metrics/);
});

test('an internal error answers 500 INTERNAL_ERROR without its message; the log line has it', async (t) => {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const logAt = (level: string) => (fields: object, message: string) =>
    lines.push({ level, fields: fields as Record<string, unknown>, message });
  const app = buildRelay({
    receivers: [{ name: 'inbox', type: 'inbox' }],
    queueDir: ':memory:',
    logger: { info: logAt('info'), warn: logAt('warn'), error: logAt('error') },
  });
  // A route whose dependency throws, registered on the relay's own app and error handler.
  app.get('/v1/broken', async () => {
    throw new Error(SECRET);
  });
  t.after(() => app.close());
  const base = await app.listen({ host: '127.0.0.1', port: 0 });

  const res = await fetch(`${base}/v1/broken`);
  const text = await res.text();
  assert.equal(res.status, 500);
  assert.doesNotMatch(text, /EACCES|queue\.db|uid|stack|\.js:\d+/);
  assert.deepEqual(JSON.parse(text), {
    error: { code: 'INTERNAL_ERROR', field: '', message: 'internal error' },
  });
  const logged = lines.find((l) => l.message === 'request failed');
  assert.ok(logged, JSON.stringify(lines));
  assert.equal(logged.fields.path, '/v1/broken');
  assert.equal(logged.fields.error, SECRET);
});

test("Fastify's 4xx answers stay as they were: a body that is not JSON says so", async (t) => {
  const app = buildRelay({ receivers: [{ name: 'inbox', type: 'inbox' }], queueDir: ':memory:' });
  t.after(() => app.close());
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const res = await fetch(`${base}/v1/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"version": ',
  });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { code: string; message: string };
  assert.equal(body.code, 'FST_ERR_CTP_INVALID_JSON_BODY');
  assert.match(body.message, /JSON/);
});
