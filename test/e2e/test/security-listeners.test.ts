// Every HTTP listener of the running stack, as a web page in the developer's browser reaches it: a rebound
// DNS name (foreign Host) is refused by every Opsight server, and no listener answers a foreign Origin
// with `Access-Control-Allow-Origin: *`. The exempt listeners are listed with the reason
// (docs/security.md, "What listens where").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpProbe } from '@opsight/http-guard';
import { port } from '../src/env.js';

/** Opsight's own HTTP servers, each guarded by libs/http-guard. */
const GUARDED: [string, number, string][] = [
  ['logstore', 3100, '/loki/api/v1/labels'],
  ['collector', 9080, '/metrics'],
  ['tracestore OTLP/HTTP', 4318, '/v1/traces'],
  ['tracestore query', 16686, '/api/services'],
  ['console', 3000, '/api/dashboards'],
  ['alert-relay', 9096, '/v1/inbox'],
  ['model-serving', 8090, '/v1/models'],
  ['model-serving', 8091, '/v1/models'],
  ['model-serving', 8092, '/v1/models'],
  ['gateway-telemetry', 9113, '/metrics'],
  ['model-router metrics', 9095, '/metrics'],
  ['supervisor', 9100, '/api/v1/components'],
  ['api-service key admin API', 8081, '/admin/v1/keys'],
];

/**
 * Exempt from the Host rule, and why: the gateway is the public edge (nginx answers any Host, as a public
 * API does; it sends no CORS headers); api-service is the public API behind it (API keys in the
 * Authorization header, which no page can send cross-origin without a preflight that gets no CORS
 * answer); Prometheus, Alertmanager and the exporters are third-party servers on 127.0.0.1 only, read-only
 * (exporters), limited by --web.cors.origin (Prometheus) or behind basic auth on every path
 * (Alertmanager 0.25, which would answer every Origin with `*`; security-alertmanager.test.ts).
 * PostgreSQL, Redis and gRPC ports are not HTTP.
 */
const EXEMPT: [string, number, string][] = [
  ['gateway', 8080, '/v1/models'],
  ['api-service', 8081, '/v1/models'],
  ['prometheus', 9090, '/api/v1/status/buildinfo'],
  ['alertmanager', 9093, '/api/v2/silences'],
  ['postgres-exporter', 9187, '/metrics'],
  ['redis-exporter', 9121, '/metrics'],
];

test('every Opsight listener refuses a foreign Host with 421 HOST_NOT_ALLOWED and serves 127.0.0.1', async () => {
  for (const [name, p, path] of GUARDED) {
    const url = `http://127.0.0.1:${port(p)}${path}`;
    const refused = await httpProbe(url, { headers: { host: `rebound.evil.example:${port(p)}` } });
    assert.equal(refused.status, 421, `${name} :${port(p)}`);
    assert.equal(JSON.parse(refused.body).code, 'HOST_NOT_ALLOWED', name);
    const served = await httpProbe(url, { method: path === '/v1/traces' ? 'OPTIONS' : 'GET' });
    assert.notEqual(served.status, 421, `${name} :${port(p)} serves 127.0.0.1`);
  }
});

test('no listener answers a foreign Origin with Access-Control-Allow-Origin: *', async () => {
  for (const [name, p, path] of [...GUARDED, ...EXEMPT]) {
    for (const method of ['GET', 'OPTIONS']) {
      const r = await httpProbe(`http://127.0.0.1:${port(p)}${path}`, {
        method,
        headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
      });
      const acao = r.headers['access-control-allow-origin'];
      assert.ok(acao === undefined, `${name} :${port(p)} ${method} answered ACAO ${String(acao)}`);
    }
  }
});

test("Prometheus answers CORS for the console's origin only", async () => {
  const url = `http://127.0.0.1:${port(9090)}/api/v1/query?query=up`;
  const foreign = await httpProbe(url, { headers: { origin: 'http://evil.example' } });
  assert.equal(foreign.status, 200);
  assert.equal(foreign.headers['access-control-allow-origin'], undefined);
  const consoleOrigin = `http://127.0.0.1:${port(3000)}`;
  const fromConsole = await httpProbe(url, { headers: { origin: consoleOrigin } });
  assert.equal(fromConsole.headers['access-control-allow-origin'], consoleOrigin);
});
