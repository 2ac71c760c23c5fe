import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { guardRequestListener, guardUpgradeListener } from '../src/node-http.js';
import { httpProbe } from '../src/testing/http-probe.js';

let server: Server;
let url: string;
let port: number;
const seen: string[] = [];

before(async () => {
  const guard = {
    allowedHosts: ['logstore'],
    writeContentTypes: ['application/json', 'application/x-protobuf'],
  };
  server = createServer(
    guardRequestListener((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        seen.push(`${req.method} ${body}`);
        res.end('ok');
      });
    }, guard),
  );
  server.on(
    'upgrade',
    guardUpgradeListener((_req, socket) => {
      socket.end('HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n');
    }, guard),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}/push`;
});
after(() => server.close());

test('a foreign Host gets 421 HOST_NOT_ALLOWED; loopback and configured names are served', async () => {
  const refused = await httpProbe(url, { headers: { host: `evil.example:${port}` } });
  assert.equal(refused.status, 421);
  assert.deepEqual(JSON.parse(refused.body).code, 'HOST_NOT_ALLOWED');
  assert.equal(JSON.parse(refused.body).field, 'host');
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `logstore:${port}`])
    assert.equal((await httpProbe(url, { headers: { host } })).status, 200, host);
});

test('a text/plain write gets 415 and never reaches the handler', async () => {
  seen.length = 0;
  const r = await httpProbe(url, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: '{"streams":[]}',
  });
  assert.equal(r.status, 415);
  assert.deepEqual(JSON.parse(r.body), {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    field: 'content-type',
    message:
      'content-type text/plain is not accepted on POST /push; use application/json or application/x-protobuf',
  });
  assert.deepEqual(seen, []);
  const ok = await httpProbe(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(ok.status, 200);
  assert.deepEqual(seen, ['POST {}']);
});

test('a write from a foreign page gets 403 even with a declared type; the console and no Origin pass', async () => {
  const body = '{}';
  const headers = { 'content-type': 'application/json' };
  const r = await httpProbe(url, {
    method: 'POST',
    headers: { ...headers, origin: 'http://evil.example' },
    body,
  });
  assert.equal(r.status, 403);
  assert.equal(JSON.parse(r.body).code, 'ORIGIN_NOT_ALLOWED');
  const fromConsole = { ...headers, origin: 'http://localhost:3000' };
  assert.equal((await httpProbe(url, { method: 'POST', headers: fromConsole, body })).status, 200);
  assert.equal((await httpProbe(url, { method: 'DELETE' })).status, 200);
});

function upgrade(headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      const lines = Object.entries({
        host: `127.0.0.1:${port}`,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      }).map(([k, v]) => `${k}: ${v}\r\n`);
      s.write(`GET /tail HTTP/1.1\r\n${lines.join('')}\r\n`);
    });
    let text = '';
    s.on('data', (c: Buffer) => {
      text += c.toString();
    });
    s.on('end', () => resolve(text.split('\r\n')[0] ?? ''));
    s.on('error', reject);
  });
}

test('an upgrade from a foreign Origin or Host is refused before the handshake', async () => {
  assert.equal(await upgrade({ origin: 'http://evil.example' }), 'HTTP/1.1 403 Forbidden');
  assert.equal(await upgrade({ host: 'evil.example' }), 'HTTP/1.1 421 Misdirected Request');
  assert.equal(await upgrade({ origin: 'http://127.0.0.1:3000' }), 'HTTP/1.1 101 Switching Protocols');
  assert.equal(await upgrade({}), 'HTTP/1.1 101 Switching Protocols');
});
