import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { renderDashboards } from '@opsight/dashboards';
import { type RunningConsole, startConsole } from '../src/server.js';

interface Seen {
  method: string;
  url: string;
  body: string;
}

const seen: Seen[] = [];
let upstream: Server;
let upstreamUrl: string;
let consoleApp: RunningConsole;
let closedPort: number;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function readAll(req: IncomingMessage): Promise<string> {
  let s = '';
  for await (const c of req) s += c;
  return s;
}

before(async () => {
  upstream = createServer(async (req, res) => {
    const body = await readAll(req);
    seen.push({ method: req.method ?? '', url: req.url ?? '', body });
    if (req.url?.startsWith('/api/v1/slow')) return; // never answers
    res.writeHead(req.url?.includes('missing') ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'success', echo: req.url }));
  });
  upstreamUrl = `http://127.0.0.1:${await listen(upstream)}`;
  const closed = createServer();
  closedPort = await listen(closed);
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  consoleApp = await startConsole({
    port: 0,
    upstreams: {
      prometheus: upstreamUrl,
      loki: upstreamUrl,
      jaeger: upstreamUrl,
      alertmanager: `http://127.0.0.1:${closedPort}`,
    },
    upstreamTimeoutMs: 300,
    maxBodyBytes: 1000,
  });
});

after(async () => {
  await consoleApp.close();
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

const get = (path: string, init?: RequestInit) => fetch(consoleApp.url + path, init);

test('listens on 127.0.0.1 by default address', () => {
  assert.match(consoleApp.url, /^http:\/\/127\.0\.0\.1:\d+$/);
});

test('answers the probes (/ready kept), with its security headers; writes to them are 405', async () => {
  for (const path of ['/ready', '/readyz', '/healthz']) {
    const res = await get(path);
    assert.equal(res.status, 200, path);
    assert.deepEqual(await res.json(), { status: 'ok' });
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  }
  const write = await get('/healthz', { method: 'DELETE' });
  assert.equal(write.status, 405);
  assert.equal(((await write.json()) as { code: string }).code, 'METHOD_NOT_ALLOWED');
});

test('serves the front end: the page, its modules and styles, with no external asset', async () => {
  const page = await get('/');
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  const html = await page.text();
  assert.match(html, /<script type="module" src="\/js\/app\.js">/);
  const dir = fileURLToPath(new URL('../../public/', import.meta.url));
  const files = ['index.html', 'styles.css', ...readdirSync(`${dir}js`).map((f) => `js/${f}`)];
  for (const f of files) {
    const text = readFileSync(`${dir}${f}`, 'utf8');
    assert.doesNotMatch(
      text,
      /(src|href)=["']https?:|import\s[^;]*from\s+['"]https?:|@import\s+url\(/,
      `${f} loads an external asset`,
    );
    const res = await get(`/${f}`);
    assert.equal(res.status, 200, f);
    await res.arrayBuffer();
    for (const m of text.matchAll(/from '\.\/([\w-]+\.js)'/g))
      assert.ok(files.includes(`js/${m[1]}`), `${f} imports missing ${m[1]}`);
  }
  const js = await get('/js/app.js');
  assert.match(js.headers.get('content-type') ?? '', /text\/javascript/);
});

test('a route of the single-page app serves the page; unknown or escaping files are 404 with a code', async () => {
  assert.equal((await get('/logs')).status, 200);
  for (const path of ['/nope.js', '/%2e%2e/package.json', '/js/../../package.json', '/js/%00.js']) {
    const res = await get(path);
    assert.equal(res.status, 404, path);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
  }
});

test('serves the generated dashboards, byte for byte', async () => {
  const list = (await (await get('/api/dashboards')).json()) as { uid: string }[];
  assert.equal(list.length, 8);
  for (const file of renderDashboards()) {
    const uid = (JSON.parse(file.text) as { uid: string }).uid;
    assert.ok(list.some((d) => d.uid === uid));
    assert.equal(await (await get(`/api/dashboards/${uid}`)).text(), file.text);
  }
  const missing = await get('/api/dashboards/nope');
  assert.equal(missing.status, 404);
  assert.deepEqual(((await missing.json()) as { error: { field: string } }).error.field, 'uid');
});

test('checks LogQL and PromQL syntax and says where an error is', async () => {
  const ok = await (await get(`/api/check/logql?query=${encodeURIComponent('{app="x"} |= "a"')}`)).json();
  assert.deepEqual(ok, { error: null });
  const bad = (await (
    await get(`/api/check/logql?query=${encodeURIComponent('{app="x"} | json |')}`)
  ).json()) as {
    error: { offset: number };
  };
  assert.ok(bad.error.offset >= 17, JSON.stringify(bad));
  const prom = (await (
    await get(`/api/check/promql?query=${encodeURIComponent('sum(rate(up[1m])')}`)
  ).json()) as {
    error: { offset: number };
  };
  assert.equal(prom.error.offset, 16);
  const missing = await get('/api/check/logql');
  assert.equal(missing.status, 400);
  assert.deepEqual(((await missing.json()) as { error: unknown }).error, {
    code: 'BAD_QUERY_PARAMETER',
    message: 'query is required',
    field: 'query',
  });
});

test('proxies each engine under its own prefix, query string and POST body included', async () => {
  seen.length = 0;
  const cases = [
    ['/api/prometheus/query_range?query=up&step=15', '/api/v1/query_range?query=up&step=15'],
    ['/api/loki/query_range?query=%7Bapp%3D%22a%22%7D', '/loki/api/v1/query_range?query=%7Bapp%3D%22a%22%7D'],
    ['/api/jaeger/traces/abc', '/api/traces/abc'],
  ];
  for (const [path, expected] of cases) {
    const res = await get(path as string);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { echo: string }).echo, expected);
  }
  const post = await get('/api/prometheus/query', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'query=up',
  });
  assert.equal(post.status, 200);
  await post.arrayBuffer();
  assert.deepEqual(seen.at(-1), { method: 'POST', url: '/api/v1/query', body: 'query=up' });
  // The log store's ruler in the Prometheus format: its rules and alerts, query string included.
  for (const [path, expected] of [
    ['/api/loki-ruler/rules?type=alert', '/prometheus/api/v1/rules?type=alert'],
    ['/api/loki-ruler/rules', '/prometheus/api/v1/rules'],
    ['/api/loki-ruler/alerts', '/prometheus/api/v1/alerts'],
  ]) {
    const res = await get(path as string);
    assert.equal(res.status, 200, path);
    assert.equal(((await res.json()) as { echo: string }).echo, expected);
  }
  const notFound = await get('/api/prometheus/missing');
  assert.equal(notFound.status, 404, 'the upstream status is passed through');
  await notFound.arrayBuffer();
});

test('refuses what it must not forward, and says which upstream failed', async () => {
  const json = { 'content-type': 'application/json' };
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const cases: [string, RequestInit | undefined, number, string][] = [
    ['/api/prometheus/query', { method: 'PUT' }, 405, 'METHOD_NOT_ALLOWED'],
    ['/api/alertmanager/alerts', { method: 'POST', body: '[]', headers: json }, 405, 'METHOD_NOT_ALLOWED'],
    [
      '/api/prometheus/admin/tsdb/delete_series',
      { method: 'POST', body: 'x', headers: form },
      405,
      'METHOD_NOT_ALLOWED',
    ],
    [
      '/api/prometheus/query',
      { method: 'POST', body: 'x'.repeat(1001), headers: form },
      413,
      'REQUEST_BODY_TOO_LARGE',
    ],
    ['/api/alertmanager/alerts', undefined, 502, 'UPSTREAM_UNAVAILABLE'],
    ['/api/prometheus/slow', undefined, 504, 'UPSTREAM_TIMEOUT'],
    ['/api/relay/inbox', undefined, 404, 'NOT_FOUND'],
    ['/api/nothing', undefined, 404, 'NOT_FOUND'],
    ['/api/dashboards', { method: 'DELETE' }, 405, 'METHOD_NOT_ALLOWED'],
    // Only the ruler's two read endpoints, only GET: no other path of the log store's Prometheus API.
    ['/api/loki-ruler/query?query=up', undefined, 404, 'NOT_FOUND'],
    ['/api/loki-ruler/rules%2F..%2Fquery', undefined, 404, 'NOT_FOUND'],
    ['/api/loki-ruler/rulesx', undefined, 404, 'NOT_FOUND'],
    ['/api/loki-ruler/', undefined, 404, 'NOT_FOUND'],
    ['/api/loki-ruler/rules', { method: 'POST', body: '{}', headers: json }, 405, 'METHOD_NOT_ALLOWED'],
    ['/api/loki-ruler/rules', { method: 'DELETE' }, 405, 'METHOD_NOT_ALLOWED'],
  ];
  for (const [path, init, status, code] of cases) {
    const res = await get(path, init);
    assert.equal(res.status, status, path);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, code, path);
  }
  const down = (await (await get('/api/alertmanager/alerts')).json()) as { error: { upstream: string } };
  assert.equal(down.error.upstream, 'alertmanager');
  // What a page elsewhere can send without a preflight never reaches the proxy.
  const plain = await get('/api/alertmanager/silences', { method: 'POST', body: '{}' });
  assert.equal(plain.status, 415);
  assert.equal(((await plain.json()) as { code: string }).code, 'UNSUPPORTED_MEDIA_TYPE');
  const foreign = await get('/api/prometheus/query', {
    method: 'POST',
    body: 'query=up',
    headers: { ...form, origin: 'http://evil.example' },
  });
  assert.equal(foreign.status, 403);
  assert.equal(((await foreign.json()) as { code: string }).code, 'ORIGIN_NOT_ALLOWED');
});

test('bound to loopback, it refuses a request for another host name (DNS rebinding)', async () => {
  const { request } = await import('node:http');
  const statusFor = (host: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(`${consoleApp.url}/api/dashboards`, { headers: { host } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  assert.equal(await statusFor('attacker.example:3000'), 421);
  assert.equal(await statusFor('attacker.example'), 421);
  assert.equal(await statusFor('localhost:3000'), 200);
  assert.equal(await statusFor('127.0.0.1'), 200);
  assert.equal(await statusFor('[::1]:3000'), 200);
});

test('with a relay: /api/config says so, the inbox is proxied, and a relay that is down is named', async () => {
  const closed = `http://127.0.0.1:${closedPort}`;
  for (const [relay, status] of [
    [upstreamUrl, 200],
    [closed, 502],
  ] as const) {
    const app = await startConsole({
      port: 0,
      upstreams: {
        prometheus: upstreamUrl,
        loki: upstreamUrl,
        jaeger: upstreamUrl,
        alertmanager: upstreamUrl,
        relay,
      },
    });
    try {
      const config = (await (await fetch(`${app.url}/api/config`)).json()) as { relay: boolean };
      assert.equal(config.relay, true);
      const res = await fetch(`${app.url}/api/relay/v1/inbox?limit=5`);
      assert.equal(res.status, status, relay);
      const body = (await res.json()) as { echo?: string; error?: { code: string; upstream: string } };
      if (status === 200) assert.equal(body.echo, '/v1/inbox?limit=5');
      else assert.deepEqual([body.error?.code, body.error?.upstream], ['UPSTREAM_UNAVAILABLE', 'relay']);
    } finally {
      await app.close();
    }
  }
  const without = (await (await get('/api/config')).json()) as { relay: boolean };
  assert.equal(without.relay, false);
});
