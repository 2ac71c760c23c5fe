import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { CONTENT_SECURITY_POLICY } from '../../src/internal/security-headers.js';
import { type RunningConsole, startConsole } from '../../src/server.js';

let upstream: Server;
let app: RunningConsole;

before(async () => {
  upstream = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
    res.end('{"status":"success","data":[]}');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  app = await startConsole({
    port: 0,
    upstreams: { prometheus: url, loki: url, jaeger: url, alertmanager: 'http://127.0.0.1:9' },
    upstreamTimeoutMs: 500,
  });
});

after(async () => {
  await app.close();
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

test('the policy allows only the console itself: no inline script, no eval, no frame, no base', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((d) => {
      const [name = '', ...values] = d.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );
  assert.deepEqual(directives.get('default-src'), ["'self'"]);
  assert.deepEqual(directives.get('script-src'), ["'self'"]);
  assert.deepEqual(directives.get('style-src'), ["'self'"]);
  assert.deepEqual(directives.get('object-src'), ["'none'"]);
  assert.deepEqual(directives.get('base-uri'), ["'none'"]);
  assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
  assert.deepEqual(directives.get('form-action'), ["'self'"]);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-|\*|https?:/);
});

test('every response carries the policy and the other headers: pages, files, API, errors, proxied', async () => {
  const expectHeaders = (h: IncomingHttpHeaders | Headers, what: string) => {
    const get = (n: string) => (h instanceof Headers ? h.get(n) : ((h[n] as string | undefined) ?? null));
    assert.equal(get('content-security-policy'), CONTENT_SECURITY_POLICY, what);
    assert.equal(get('x-frame-options'), 'DENY', what);
    assert.equal(get('x-content-type-options'), 'nosniff', what);
    assert.equal(get('referrer-policy'), 'no-referrer', what);
    assert.equal(get('access-control-allow-origin'), null, `${what}: no CORS header is passed on`);
  };
  for (const [path, init] of [
    ['/', undefined],
    ['/js/app.js', undefined],
    ['/styles.css', undefined],
    ['/api/dashboards', undefined],
    ['/api/nothing', undefined],
    ['/nope.js', undefined],
    ['/api/prometheus/query?query=up', undefined],
    ['/api/loki/labels', undefined],
    ['/api/alertmanager/alerts', undefined],
    ['/api/prometheus/query', { method: 'PUT' }],
  ] as const) {
    const res = await fetch(app.url + path, init);
    await res.arrayBuffer();
    expectHeaders(res.headers, `${init?.method ?? 'GET'} ${path}`);
  }
  // A refused Host still gets them (the refusal is a page too).
  const { request } = await import('node:http');
  const headers = await new Promise<IncomingHttpHeaders>((resolve, reject) => {
    const req = request(`${app.url}/`, { headers: { host: 'attacker.example' } }, (res) => {
      res.resume();
      resolve(res.headers);
    });
    req.on('error', reject);
    req.end();
  });
  expectHeaders(headers, 'foreign Host');
});

test('the page itself has no inline script or style for the policy to refuse', async () => {
  const html = await (await fetch(`${app.url}/`)).text();
  for (const m of html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)) {
    assert.match(m[0], /\bsrc="\/[^"]+"/, 'every script is a file of the console');
    assert.equal(m[1]?.trim(), '', 'no inline script');
  }
  assert.doesNotMatch(html, /<style\b|\sstyle=|\son[a-z]+=/i);
});
