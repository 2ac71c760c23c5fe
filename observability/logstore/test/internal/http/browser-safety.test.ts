import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { httpProbe } from '@opsight/http-guard';
import WebSocket from 'ws';
import { createLogStore, type LogStore } from '../../../src/internal/http/server.js';

// What a web page in the developer's browser can send to the log store, and what it gets.
let store: LogStore;
let port: string;
before(async () => {
  store = createLogStore({ dataDir: ':memory:', port: 0 });
  await store.listen();
  port = new URL(store.url).port;
});
after(() => store.close());

const pushBody = (line: string) =>
  JSON.stringify({ streams: [{ stream: { app: 'browser' }, values: [[String(Date.now() * 1e6), line]] }] });

const stored = async () => {
  const q = encodeURIComponent('{app="browser"}');
  const r = await fetch(`${store.url}/loki/api/v1/query_range?query=${q}&limit=100`);
  const body = (await r.json()) as { data: { result: Array<{ values: Array<[string, string]> }> } };
  return body.data.result.flatMap((s) => s.values.map((v) => v[1]));
};

test('a foreign Host (DNS rebinding) gets 421; loopback names are served', async () => {
  const refused = await httpProbe(`${store.url}/loki/api/v1/labels`, {
    headers: { host: `evil.example:${port}` },
  });
  assert.equal(refused.status, 421);
  assert.deepEqual(
    { code: JSON.parse(refused.body).code, field: JSON.parse(refused.body).field },
    { code: 'HOST_NOT_ALLOWED', field: 'host' },
  );
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`])
    assert.equal(
      (await httpProbe(`${store.url}/loki/api/v1/labels`, { headers: { host } })).status,
      200,
      host,
    );
});

test('a text/plain push and a text/plain OTLP logs push get 415 and store nothing', async () => {
  const loki = await httpProbe(`${store.url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8' },
    body: pushBody('planted by a page'),
  });
  assert.equal(loki.status, 415);
  assert.equal(JSON.parse(loki.body).code, 'UNSUPPORTED_MEDIA_TYPE');
  const otlp = await httpProbe(`${store.url}/otlp/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'browser' } }] },
          scopeLogs: [
            { logRecords: [{ timeUnixNano: String(Date.now() * 1e6), body: { stringValue: 'planted' } }] },
          ],
        },
      ],
    }),
  });
  assert.equal(otlp.status, 415);
  const form = await httpProbe(`${store.url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'multipart/form-data; boundary=x' },
    body: '--x--',
  });
  assert.equal(form.status, 415);
  assert.deepEqual(await stored(), []);
  const series = await (await fetch(`${store.url}/loki/api/v1/label/service_name/values`)).json();
  assert.deepEqual((series as { data: string[] }).data, []);
});

test('a push from a foreign page is refused even as JSON; the same push without Origin is stored', async () => {
  const headers = { 'content-type': 'application/json' };
  const r = await httpProbe(`${store.url}/loki/api/v1/push`, {
    method: 'POST',
    headers: { ...headers, origin: 'http://evil.example' },
    body: pushBody('from evil'),
  });
  assert.equal(r.status, 403);
  const ok = await httpProbe(`${store.url}/loki/api/v1/push`, {
    method: 'POST',
    headers,
    body: pushBody('from curl'),
  });
  assert.equal(ok.status, 204);
  assert.deepEqual(await stored(), ['from curl']);
});

function tail(origin?: string): Promise<{ status: number; lines: string[] }> {
  const q = encodeURIComponent('{app="browser"}');
  const ws = new WebSocket(`${store.url.replace('http', 'ws')}/loki/api/v1/tail?query=${q}`, {
    ...(origin ? { origin } : {}),
  });
  return new Promise((resolve) => {
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, lines: [] });
      ws.terminate();
    });
    ws.once('message', (m) => {
      const msg = JSON.parse(m.toString()) as { streams: Array<{ values: Array<[string, string]> }> };
      ws.close();
      resolve({ status: 101, lines: msg.streams.flatMap((s) => s.values.map((v) => v[1])) });
    });
    ws.once('error', () => resolve({ status: -1, lines: [] }));
  });
}

test('a cross-origin WebSocket tail is refused before the upgrade; the console and non-browsers tail', async () => {
  assert.deepEqual(await tail('http://evil.example'), { status: 403, lines: [] });
  assert.deepEqual(await tail('null'), { status: 403, lines: [] });
  assert.deepEqual(await tail('http://127.0.0.1:3000'), { status: 101, lines: ['from curl'] });
  assert.deepEqual(await tail('http://localhost:3000'), { status: 101, lines: ['from curl'] });
  assert.deepEqual(await tail(), { status: 101, lines: ['from curl'] });
});
