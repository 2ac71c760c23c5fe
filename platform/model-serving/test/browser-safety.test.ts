import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpProbe } from '@opsight/http-guard';
import { startTestTelemetry } from '@opsight/telemetry/testing';
import { buildServingApp } from '../src/app.js';
import { modelProfile } from '../src/internal/model-profile.js';

// What a web page in the developer's browser can send to model-serving, and what it gets.
test('a foreign Host gets 421; a text/plain or cross-origin fault switch is refused', async (t) => {
  startTestTelemetry('model-serving-browser-test');
  let crashes = 0;
  const app = await buildServingApp({
    models: [modelProfile('m-fast', 'instant')],
    onCrash: () => {
      crashes++;
    },
  });
  t.after(() => app.close());
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const port = new URL(base).port;
  const refused = await httpProbe(`${base}/v1/models`, { headers: { host: `evil.example:${port}` } });
  assert.equal(refused.status, 421);
  assert.equal(JSON.parse(refused.body).code, 'HOST_NOT_ALLOWED');
  assert.equal(
    (await httpProbe(`${base}/v1/models`, { headers: { host: `localhost:${port}` } })).status,
    200,
  );

  const crash = JSON.stringify({ crash: true });
  const plain = await httpProbe(`${base}/admin/faults`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: crash,
  });
  assert.equal(plain.status, 415);
  const foreign = await httpProbe(`${base}/admin/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
    body: crash,
  });
  assert.equal(foreign.status, 403);
  assert.equal(crashes, 0);
  const chat = await httpProbe(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm-fast', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(chat.status, 200);
});
