import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkTenant, type StoreCredentials } from '../../src/internal/store-credentials.js';
import { type RunningConsole, startConsole } from '../../src/server.js';

const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
let upstream: Server;
let url: string;
const dir = mkdtempSync(join(tmpdir(), 'console-token-'));
const tokenFile = join(dir, 'store-token');

before(async () => {
  upstream = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"success","data":[]}');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});

after(async () => {
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

async function withConsole(stores: StoreCredentials, fn: (app: RunningConsole) => Promise<void>) {
  const app = await startConsole({
    port: 0,
    upstreams: { prometheus: url, loki: url, jaeger: url, alertmanager: url, relay: url },
    stores,
  });
  try {
    await fn(app);
  } finally {
    await app.close();
  }
}

/** What each upstream received for one browser request that names another tenant and a token. */
async function forwarded(app: RunningConsole, path: string) {
  seen.length = 0;
  const res = await fetch(app.url + path, {
    headers: { 'X-Scope-OrgID': 'victim', authorization: 'Bearer from-the-page' },
  });
  assert.equal(res.status, 200, path);
  await res.arrayBuffer();
  const last = seen.at(-1);
  assert.ok(last, path);
  return last.headers;
}

test('a browser-sent X-Scope-OrgID never reaches a store: the console sends its own tenant', async () => {
  await withConsole({ tenant: 'team-a' }, async (app) => {
    for (const path of ['/api/loki/labels', '/api/loki-ruler/rules', '/api/jaeger/services']) {
      const h = await forwarded(app, path);
      assert.equal(h['x-scope-orgid'], 'team-a', path);
      assert.equal(h.authorization, undefined, `${path}: the page's Authorization is not forwarded`);
    }
    for (const path of ['/api/prometheus/labels', '/api/alertmanager/alerts', '/api/relay/v1/inbox']) {
      const h = await forwarded(app, path);
      assert.equal(h['x-scope-orgid'], undefined, `${path}: no tenant to engines that have none`);
      assert.equal(h.authorization, undefined, path);
    }
  });
  await withConsole({}, async (app) => {
    const h = await forwarded(app, '/api/loki/labels');
    assert.equal(h['x-scope-orgid'], undefined, 'without a tenant setting, none is sent (not the page’s)');
  });
});

test('the store token is read from its file, sent to the stores only, and a rotated one is used', async () => {
  writeFileSync(tokenFile, 'first-token\n');
  await withConsole({ tenant: 'team-a', tokenFile }, async (app) => {
    assert.equal((await forwarded(app, '/api/loki/labels')).authorization, 'Bearer first-token');
    assert.equal((await forwarded(app, '/api/jaeger/services')).authorization, 'Bearer first-token');
    assert.equal((await forwarded(app, '/api/loki-ruler/alerts')).authorization, 'Bearer first-token');
    assert.equal((await forwarded(app, '/api/prometheus/labels')).authorization, undefined);
    writeFileSync(tokenFile, 'second-token-longer\n');
    assert.equal((await forwarded(app, '/api/loki/labels')).authorization, 'Bearer second-token-longer');
  });
});

test('an unreadable token file is a 500 with a code and no detail; the path stays in the log', async () => {
  await withConsole({ tokenFile: join(dir, 'missing') }, async (app) => {
    const res = await fetch(`${app.url}/api/loki/labels`);
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), { error: { code: 'INTERNAL_ERROR', message: 'internal error' } });
  });
});

test('a tenant the stores would refuse is refused at start', () => {
  for (const bad of ['', 'a|b', 'x'.repeat(151), '..', 'a b', 'é'])
    assert.throws(() => checkTenant(bad), /not a valid X-Scope-OrgID/, JSON.stringify(bad));
  for (const good of ['fake', 'team-a', 'tenant_1.prod']) checkTenant(good);
});
