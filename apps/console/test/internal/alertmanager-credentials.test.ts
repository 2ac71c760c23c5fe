import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startConsole } from '../../src/server.js';

const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
let upstream: Server;
let url: string;
const dir = mkdtempSync(join(tmpdir(), 'console-am-'));
const passwordFile = join(dir, 'alertmanager');

before(async () => {
  upstream = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('[]');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});

after(async () => {
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const basic = (password: string) => `Basic ${Buffer.from(`opsight:${password}`).toString('base64')}`;

test('the console sends its own Alertmanager credentials, to Alertmanager only, and picks up a rotated password', async () => {
  writeFileSync(passwordFile, 'first\n');
  const app = await startConsole({
    port: 0,
    upstreams: { prometheus: url, loki: url, jaeger: url, alertmanager: url, relay: url },
    alertmanager: { username: 'opsight', passwordFile },
  });
  const get = async (path: string) => {
    seen.length = 0;
    const res = await fetch(app.url + path, { headers: { authorization: basic('from-the-page') } });
    assert.equal(res.status, 200, path);
    await res.arrayBuffer();
    return seen.at(-1)?.headers.authorization;
  };
  try {
    assert.equal(await get('/api/alertmanager/alerts'), basic('first'));
    for (const path of ['/api/prometheus/labels', '/api/loki/labels', '/api/relay/v1/inbox'])
      assert.equal(await get(path), undefined, `${path}: neither the page's nor Alertmanager's credentials`);
    writeFileSync(passwordFile, 'rotated-and-longer\n');
    assert.equal(await get('/api/alertmanager/alerts'), basic('rotated-and-longer'));
  } finally {
    await app.close();
  }
});
