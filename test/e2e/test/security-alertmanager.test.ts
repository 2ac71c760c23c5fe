// Alertmanager 0.25 answers every Origin with `Access-Control-Allow-Origin: *` and accepts cross-origin
// POSTs after a preflight, so a web page in the developer's browser could create silences on the local
// one. The stack runs it behind basic auth (apps/cli/src/stack/alertmanager-auth.ts): this file tries
// the page's requests, and checks that the stack's own clients still get through.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpProbe } from '@opsight/http-guard';
import { ALERTMANAGER, alertmanagerAuth, eventually, PROMETHEUS, port, promQuery } from '../src/env.js';

const silence = () =>
  JSON.stringify({
    matchers: [{ name: 'alertname', value: 'E2ESecurityPlanted', isRegex: false }],
    startsAt: new Date().toISOString(),
    endsAt: new Date(Date.now() + 3600_000).toISOString(),
    createdBy: 'evil.example',
    comment: 'planted by a web page',
  });

test("a foreign page's preflight for a silence gets 401 and no Access-Control-Allow-Origin", async () => {
  const r = await httpProbe(`${ALERTMANAGER}/api/v2/silences`, {
    method: 'OPTIONS',
    headers: {
      origin: 'http://evil.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    },
  });
  assert.equal(r.status, 401);
  assert.equal(r.headers['access-control-allow-origin'], undefined);
  assert.equal(r.headers['access-control-allow-methods'], undefined);
});

test('a silence POSTed without credentials, or with a guessed password, gets 401 and is not stored', async () => {
  for (const authorization of [undefined, `Basic ${Buffer.from('opsight:admin').toString('base64')}`]) {
    const r = await fetch(`${ALERTMANAGER}/api/v2/silences`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: 'http://evil.example',
        ...(authorization ? { authorization } : {}),
      },
      body: silence(),
    });
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('access-control-allow-origin'), null);
  }
  const stored = await fetch(`${ALERTMANAGER}/api/v2/silences`, { headers: alertmanagerAuth() });
  assert.equal(stored.status, 200);
  const silences = (await stored.json()) as { createdBy: string }[];
  assert.ok(!silences.some((s) => s.createdBy === 'evil.example'), 'no planted silence');
});

test('the stack’s own clients get through: Prometheus scrapes and reaches Alertmanager, the console reads it', async () => {
  await eventually('Prometheus scraping Alertmanager with its credentials', async () => {
    const up = await promQuery('up{job="alertmanager"}');
    return up[0]?.value[1] === '1';
  });
  const active = (await (await fetch(`${PROMETHEUS}/api/v1/alertmanagers`)).json()) as {
    data: { activeAlertmanagers: { url: string }[] };
  };
  assert.equal(active.data.activeAlertmanagers.length, 1);
  const viaConsole = await fetch(`http://127.0.0.1:${port(3000)}/api/alertmanager/alerts`);
  assert.equal(viaConsole.status, 200, 'the console proxies with its own credentials');
});
