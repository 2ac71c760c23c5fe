import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, opsight, port, promQuery, psql } from '../src/env.js';

const API = `http://127.0.0.1:${port(8081)}`;

test('api-service: a key from `opsight keys create` authenticates, a completion goes through the router, rotation replaces the key', async () => {
  const created = opsight(['keys', 'create', '--user', 'e2e-user', '--expires-in', '30d', '--name', 'e2e']);
  assert.equal(created.status, 0, created.stderr);
  const key = /^(sk-\S+)$/m.exec(created.stdout)?.[1];
  assert.ok(key, created.stdout);
  // Stored hashed: the database never holds the key.
  assert.equal(psql(port(5433), `SELECT count(*) FROM api_keys WHERE prefix = '${key.slice(0, 11)}'`), '1');

  const unauthenticated = await fetch(`${API}/v1/models`);
  assert.equal(unauthenticated.status, 401);
  assert.equal(((await unauthenticated.json()) as { error: { code: string } }).error.code, 'API_KEY_MISSING');

  const res = await fetch(`${API}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'chat-fast', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = (await res.json()) as {
    choices: { message: { content: string } }[];
    usage: { completion_tokens: number };
  };
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.ok(body.choices[0]?.message.content.length);
  assert.ok(body.usage.completion_tokens > 0);

  const unknown = await fetch(`${API}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const error = (await unknown.json()) as { error: { code: string; trace_id: string } };
  assert.equal(unknown.status, 404);
  assert.equal(error.error.code, 'MODEL_NOT_FOUND');
  assert.match(error.error.trace_id, /^[0-9a-f]{32}$/);

  const listed = opsight(['keys', 'list', '--user', 'e2e-user']);
  assert.match(listed.stdout, /e2e-user\s+e2e\s+active/);

  // The key admin API that `opsight keys` calls answers only the admin key.
  const noAdminKey = await fetch(`${API}/admin/v1/keys`);
  assert.equal(noAdminKey.status, 401);
  assert.equal(((await noAdminKey.json()) as { error: { code: string } }).error.code, 'ADMIN_KEY_MISSING');

  // Rotation: the new key authenticates at once, the old one is refused.
  const rotated = opsight(['keys', 'rotate', `${key.slice(0, 11)}…`]);
  assert.equal(rotated.status, 0, rotated.stderr);
  const newKey = /^(sk-\S+)$/m.exec(rotated.stdout)?.[1];
  assert.ok(newKey && newKey !== key, rotated.stdout);
  const models = (k: string) => fetch(`${API}/v1/models`, { headers: { authorization: `Bearer ${k}` } });
  assert.equal((await models(newKey)).status, 200);
  assert.equal((await models(key)).status, 401);

  const revoked = opsight(['keys', 'revoke', `${newKey.slice(0, 11)}…`]);
  assert.equal(revoked.status, 0, revoked.stderr);

  await eventually('api_requests_total in Prometheus', async () => {
    const series = await promQuery('sum by (status) (api_requests_total{job="api-service"})');
    return series.some((s) => s.metric.status === String(res.status));
  });
});
