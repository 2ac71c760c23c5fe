import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { installFastifyGuard } from '../src/fastify.js';
import { httpProbe } from '../src/testing/http-probe.js';

let app: FastifyInstance;
let base: string;
let parsed = 0;

before(async () => {
  app = Fastify();
  installFastifyGuard(app, { allowedHosts: ['.svc.cluster.local'] });
  app.post('/v1/x', async (request) => {
    parsed++;
    return { got: request.body };
  });
  app.get('/ready', async () => 'ok');
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
after(() => app.close());

test('a foreign Host gets 421 before routing, a 404 path included', async () => {
  for (const path of ['/ready', '/nope']) {
    const r = await httpProbe(base + path, { headers: { host: 'evil.example' } });
    assert.equal(r.status, 421, path);
    assert.equal(JSON.parse(r.body).code, 'HOST_NOT_ALLOWED');
  }
  const served = await httpProbe(`${base}/ready`, {
    headers: { host: 'relay.monitoring.svc.cluster.local:9096' },
  });
  assert.equal(served.status, 200);
});

test("Fastify's own text/plain parser is never reached", async () => {
  parsed = 0;
  const r = await httpProbe(`${base}/v1/x`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: 'x',
  });
  assert.equal(r.status, 415);
  assert.equal(JSON.parse(r.body).field, 'content-type');
  assert.equal(parsed, 0);
  const ok = await httpProbe(`${base}/v1/x`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"a":1}',
  });
  assert.equal(ok.status, 200);
  assert.deepEqual(JSON.parse(ok.body), { got: { a: 1 } });
});
