import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpProbe } from '@opsight/http-guard';
import { buildRelay } from '../src/relay.js';

// What a web page in the developer's browser can send to the relay, and what it gets.
const alert = JSON.stringify({
  version: '4',
  groupKey: '{}:{alertname="Planted"}',
  truncatedAlerts: 0,
  status: 'firing',
  receiver: 'relay-page',
  groupLabels: { alertname: 'Planted' },
  commonLabels: { alertname: 'Planted', severity: 'page' },
  commonAnnotations: {},
  externalURL: 'http://127.0.0.1:9093',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'Planted', severity: 'page' },
      annotations: { summary: 'planted by a page' },
      startsAt: new Date().toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: 'f00d',
    },
  ],
});

test('a foreign Host gets 421; a text/plain or cross-origin alert is refused and never reaches the inbox', async (t) => {
  const app = buildRelay({ receivers: [{ name: 'inbox', type: 'inbox' }], queueDir: ':memory:' });
  t.after(() => app.close());
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const port = new URL(base).port;
  const refused = await httpProbe(`${base}/v1/inbox`, { headers: { host: `evil.example:${port}` } });
  assert.equal(refused.status, 421);
  assert.equal(JSON.parse(refused.body).code, 'HOST_NOT_ALLOWED');
  assert.equal((await httpProbe(`${base}/v1/inbox`, { headers: { host: `localhost:${port}` } })).status, 200);

  const hook = `${base}/v1/alertmanager`;
  const plain = await httpProbe(hook, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: alert,
  });
  assert.equal(plain.status, 415);
  const json = { 'content-type': 'application/json' };
  const foreign = await httpProbe(hook, {
    method: 'POST',
    headers: { ...json, origin: 'http://evil.example' },
    body: alert,
  });
  assert.equal(foreign.status, 403);
  const inbox = JSON.parse((await httpProbe(`${base}/v1/inbox`)).body) as { alerts?: unknown[] } | unknown[];
  assert.equal(JSON.stringify(inbox).includes('Planted'), false);
  // Alertmanager's own webhook (JSON, no Origin) is accepted.
  const ok = await httpProbe(hook, { method: 'POST', headers: json, body: alert });
  assert.equal(ok.status < 300, true, `${ok.status} ${ok.body}`);
});
