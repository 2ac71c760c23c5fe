import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { ADMIN_PATHS } from '@opsight/contracts/admin';
import { guardRequestListener, httpProbe } from '@opsight/http-guard';
import Fastify from 'fastify';
import { Counter, Registry } from 'prom-client';
import {
  AdminEndpoints,
  adminRequestHandler,
  fastifyAdmin,
  startAdminServer,
} from '../../src/admin/index.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';

const OPENMETRICS_ACCEPT = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';

function promRegistry(name: string, openMetrics = false): Registry {
  const registry = new Registry();
  if (openMetrics) registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as never);
  new Counter({ name: `${name}_total`, help: `${name} help`, registers: [registry] }).inc(3);
  return registry;
}

describe('a dedicated admin port', async () => {
  let ready = false;
  const errors: [unknown, string][] = [];
  const server = await startAdminServer(
    {
      metrics: promRegistry('admin_test_events'),
      ready: { backends: () => ready, cache: { check: () => false, required: false } },
      routes: { '/ready': 'ready', '/-/healthy': 'live', '/version': () => ({ body: { version: '1' } }) },
      onError: (error, path) => errors.push([error, path]),
    },
    { port: 0 },
  );
  after(() => server.close());
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;

  test('serves the contract paths and its extra routes', () => {
    assert.deepEqual(server.endpoints.paths, [
      ADMIN_PATHS.metrics,
      ADMIN_PATHS.live,
      ADMIN_PATHS.ready,
      '/ready',
      '/-/healthy',
      '/version',
    ]);
  });

  test('/metrics is the registry in the Prometheus text format, not cacheable', async () => {
    const res = await httpProbe(url('/metrics'), { headers: { host: '127.0.0.1' } });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(res.body, /^admin_test_events_total 3$/m);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.headers['access-control-allow-origin'], undefined);
  });

  test('/healthz is 200 while the process serves', async () => {
    const res = await httpProbe(url('/healthz'), { headers: { host: 'localhost' } });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { status: 'ok' });
    const alias = await httpProbe(url('/-/healthy'), { headers: { host: 'localhost' } });
    assert.deepEqual([alias.status, alias.body], [res.status, res.body]);
  });

  test('/readyz fails naming the failing required check, then recovers; a not-required one only degrades', async () => {
    for (const path of ['/readyz', '/ready']) {
      ready = false;
      const failing = await httpProbe(url(path), { headers: { host: '127.0.0.1' } });
      assert.equal(failing.status, 503);
      assert.deepEqual(JSON.parse(failing.body), {
        status: 'not ready',
        failing: ['backends'],
        checks: { backends: 'failing', cache: 'failing' },
      });
      ready = true;
      const recovered = await httpProbe(url(path), { headers: { host: '127.0.0.1' } });
      assert.equal(recovered.status, 200);
      assert.deepEqual(JSON.parse(recovered.body), {
        status: 'degraded',
        checks: { backends: 'ok', cache: 'failing' },
      });
    }
  });

  test('a custom route answers JSON', async () => {
    const res = await httpProbe(url('/version'), { headers: { host: '127.0.0.1' } });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), { version: '1' });
  });

  test('HEAD answers the headers without a body', async () => {
    const res = await httpProbe(url('/healthz'), { method: 'HEAD', headers: { host: '127.0.0.1' } });
    assert.equal(res.status, 200);
    assert.equal(res.body, '');
  });

  test('other methods are refused with 405 and a JSON error naming the method', async () => {
    for (const [method, path] of [
      ['DELETE', '/metrics'],
      ['PUT', '/readyz'],
      ['DELETE', '/nowhere'],
    ] as const) {
      const res = await httpProbe(url(path), { method, headers: { host: '127.0.0.1' } });
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.headers.allow, 'GET, HEAD');
      assert.deepEqual(JSON.parse(res.body), {
        code: 'METHOD_NOT_ALLOWED',
        field: 'method',
        message: `${method} ${path}: only GET and HEAD are served`,
      });
    }
  });

  test('unknown paths are 404 with a JSON error naming the path', async () => {
    const res = await httpProbe(url('/api/v1/query?x=1'), { headers: { host: '127.0.0.1' } });
    assert.equal(res.status, 404);
    const body = JSON.parse(res.body);
    assert.equal(body.code, 'NOT_FOUND');
    assert.equal(body.field, 'path');
    assert.match(body.message, /^no route \/api\/v1\/query; this port serves \/metrics, \/healthz, \/readyz/);
  });

  test('a hostile Host (DNS rebinding) is refused before any path is served', async () => {
    const res = await httpProbe(url('/metrics'), { headers: { host: 'evil.example' } });
    assert.equal(res.status, 421);
    assert.equal(JSON.parse(res.body).code, 'HOST_NOT_ALLOWED');
    assert.doesNotMatch(res.body, /admin_test_events/);
  });

  test('a write from a hostile Origin is refused; a read carries no CORS grant', async () => {
    const write = await httpProbe(url('/readyz'), {
      method: 'POST',
      headers: { host: '127.0.0.1', origin: 'https://evil.example', 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(write.status, 403);
    assert.equal(JSON.parse(write.body).code, 'ORIGIN_NOT_ALLOWED');
    const read = await httpProbe(url('/metrics'), {
      headers: { host: '127.0.0.1', origin: 'https://evil.example' },
    });
    assert.equal(read.headers['access-control-allow-origin'], undefined);
  });

  test('errors are not reported for answers that did not fail', () => {
    assert.deepEqual(errors, []);
  });
});

describe('metrics rendering', () => {
  test('OpenMetrics is negotiated by Accept when the registry writes it', async () => {
    const registry = new MetricsRegistry({ defaultMetrics: false });
    registry.prom.registerMetric(new Counter({ name: 'admin_om_events', help: 'h', registers: [] }) as never);
    const admin = new AdminEndpoints({ metrics: registry });
    const om = await admin.respond('GET', '/metrics', OPENMETRICS_ACCEPT);
    assert.match(om!.headers['content-type']!, /^application\/openmetrics-text/);
    assert.ok(om!.body.endsWith('# EOF\n'));
    const text = await admin.respond('GET', '/metrics');
    assert.match(text!.headers['content-type']!, /^text\/plain; version=0\.0\.4/);
    assert.doesNotMatch(text!.body, /# EOF/);
  });

  test('several registries are one exposition, with one # EOF in OpenMetrics', async () => {
    const admin = new AdminEndpoints({
      metrics: [promRegistry('admin_first', true), promRegistry('admin_second', true)],
    });
    const om = await admin.respond('GET', '/metrics', OPENMETRICS_ACCEPT);
    assert.equal(om!.body.match(/# EOF/g)?.length, 1);
    assert.match(om!.body, /^admin_first_total 3$/m);
    assert.match(om!.body, /^admin_second_total 3$/m);
    const text = await admin.respond('GET', '/metrics', 'text/plain');
    assert.match(text!.headers['content-type']!, /^text\/plain; version=0\.0\.4/);
    assert.match(text!.body, /^# TYPE admin_first_total counter$/m);
    assert.doesNotMatch(text!.body, /# EOF/);
  });

  test('a mix of formats falls back to the Prometheus text format', async () => {
    const admin = new AdminEndpoints({
      metrics: [promRegistry('admin_om', true), promRegistry('admin_text')],
    });
    const res = await admin.respond('GET', '/metrics', OPENMETRICS_ACCEPT);
    assert.match(res!.headers['content-type']!, /^text\/plain; version=0\.0\.4/);
    assert.match(res!.body, /^admin_om_total 3$/m);
    assert.match(res!.body, /^admin_text_total 3$/m);
  });

  test('beforeScrape runs before every render', async () => {
    const registry = new Registry();
    let scrapes = 0;
    const admin = new AdminEndpoints({
      metrics: registry,
      beforeScrape: () => {
        scrapes++;
      },
    });
    await admin.respond('GET', '/metrics');
    await admin.respond('GET', '/metrics');
    assert.equal(scrapes, 2);
  });

  test('a registry that throws answers 500 with a fixed JSON body; the error goes to onError', async () => {
    const errors: [unknown, string][] = [];
    const boom = new Error('collect failed: /secret/path');
    const admin = new AdminEndpoints({
      metrics: { render: async () => Promise.reject(boom) },
      onError: (error, path) => errors.push([error, path]),
    });
    const res = await admin.respond('GET', '/metrics');
    assert.equal(res!.status, 500);
    assert.deepEqual(JSON.parse(res!.body), {
      code: 'METRICS_UNAVAILABLE',
      field: 'path',
      message: 'rendering the metrics failed; the error is in the log',
    });
    assert.doesNotMatch(res!.body, /secret/);
    assert.deepEqual(errors, [[boom, '/metrics']]);
  });

  test('no metrics: /metrics is not served, and aliasing it is a configuration error', async () => {
    const admin = new AdminEndpoints({ metrics: null });
    assert.equal(admin.serves('/metrics'), false);
    assert.equal(await admin.respond('GET', '/metrics'), undefined);
    assert.throws(() => new AdminEndpoints({ metrics: null, routes: { '/m': 'metrics' } }), /no metrics/);
    assert.throws(() => new AdminEndpoints({ metrics: null, routes: { '/healthz': 'live' } }), /twice/);
    assert.throws(() => new AdminEndpoints({ metrics: null, routes: { ready: 'ready' } }), /start with \//);
  });
});

describe('health checks', () => {
  test('a check that throws or hangs past the timeout counts as failing', async () => {
    const admin = new AdminEndpoints({
      metrics: null,
      checkTimeoutMs: 50,
      live: {
        throws: () => {
          throw new Error('down');
        },
        hangs: () => new Promise<boolean>(() => {}),
        fine: async () => true,
      },
    });
    const res = await admin.respond('GET', '/healthz');
    assert.equal(res!.status, 503);
    assert.deepEqual(JSON.parse(res!.body), {
      status: 'not alive',
      failing: ['throws', 'hangs'],
      checks: { throws: 'failing', hangs: 'failing', fine: 'ok' },
    });
  });

  test('a custom route that throws answers 500 INTERNAL_ERROR without its message', async () => {
    const errors: string[] = [];
    const admin = new AdminEndpoints({
      metrics: null,
      routes: {
        '/broken': () => {
          throw new Error('private detail');
        },
      },
      onError: (_error, path) => errors.push(path),
    });
    const res = await admin.respond('GET', '/broken');
    assert.equal(res!.status, 500);
    assert.equal(JSON.parse(res!.body).code, 'INTERNAL_ERROR');
    assert.doesNotMatch(res!.body, /private/);
    assert.deepEqual(errors, ['/broken']);
  });
});

describe('mounted on a component server', () => {
  test('node:http: admin paths are taken, the rest goes on to the component', async (t) => {
    const handle = adminRequestHandler({
      metrics: promRegistry('admin_mounted'),
      routes: { '/ready': 'ready' },
    });
    const server = createServer(
      guardRequestListener((req, res) => {
        if (handle(req, res)) return;
        res.writeHead(200, { 'content-type': 'text/plain' }).end('component\n');
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const host = { host: '127.0.0.1' };
    assert.match((await httpProbe(`${base}/metrics`, { headers: host })).body, /admin_mounted_total 3/);
    assert.equal((await httpProbe(`${base}/ready?verbose=1`, { headers: host })).status, 200);
    assert.equal((await httpProbe(`${base}/other`, { headers: host })).body, 'component\n');
    const bad = await httpProbe(`${base}/healthz`, { method: 'DELETE', headers: host });
    assert.equal(bad.status, 405);
    assert.equal((await httpProbe(`${base}/metrics`, { headers: { host: 'rebound.example' } })).status, 421);
  });

  test('Fastify: the plugin serves every admin path and refuses other methods with 405', async (t) => {
    const app = Fastify();
    t.after(() => app.close());
    await app.register(fastifyAdmin, {
      admin: {
        metrics: promRegistry('admin_fastify'),
        ready: { store: () => false },
        routes: { '/-/ready': 'ready' },
      },
    });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.body, /^admin_fastify_total 3$/m);
    const ready = await app.inject({ method: 'GET', url: '/-/ready' });
    assert.equal(ready.statusCode, 503);
    assert.deepEqual(ready.json().failing, ['store']);
    const head = await app.inject({ method: 'HEAD', url: '/healthz' });
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, '');
    const post = await app.inject({ method: 'POST', url: '/healthz' });
    assert.equal(post.statusCode, 405);
    assert.equal(post.json().code, 'METHOD_NOT_ALLOWED');
  });
});
