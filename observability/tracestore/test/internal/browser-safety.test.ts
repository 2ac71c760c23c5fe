import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpProbe } from '@opsight/http-guard';
import { TraceStoreServer } from '../../src/internal/trace-store-server.js';
import { otlpJsonRequest } from '../support/otlp-request.js';

// What a web page in the developer's browser can send to the trace store, and what it gets.
test('OTLP/HTTP and the query API refuse a foreign Host (421) and serve loopback names', async (t) => {
  const server = await TraceStoreServer.start({
    dataDir: ':memory:',
    otlpHttp: '127.0.0.1:0',
    otlpGrpc: null,
    query: '127.0.0.1:0',
  });
  t.after(() => server.close());
  const { otlpHttp, query } = server.addresses;
  for (const [address, path] of [
    [otlpHttp, '/v1/traces'],
    [query, '/api/services'],
  ] as const) {
    const port = address!.split(':').pop();
    const refused = await httpProbe(`http://${address}${path}`, {
      headers: { host: `evil.example:${port}` },
    });
    assert.equal(refused.status, 421, path);
    assert.equal(JSON.parse(refused.body).code, 'HOST_NOT_ALLOWED');
  }
  const port = query!.split(':').pop();
  const served = await httpProbe(`http://${query}/api/services`, { headers: { host: `localhost:${port}` } });
  assert.equal(served.status, 200);
});

test('a text/plain or cross-origin OTLP push gets 415/403 and stores nothing; JSON without Origin is stored', async (t) => {
  const server = await TraceStoreServer.start({
    dataDir: ':memory:',
    otlpHttp: '127.0.0.1:0',
    otlpGrpc: null,
    query: null,
  });
  t.after(() => server.close());
  const url = `http://${server.addresses.otlpHttp}/v1/traces`;
  const body = JSON.stringify(otlpJsonRequest([{}]));
  const plain = await httpProbe(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
  assert.equal(plain.status, 415);
  assert.equal(JSON.parse(plain.body).code, 'UNSUPPORTED_MEDIA_TYPE');
  const foreign = await httpProbe(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
    body,
  });
  assert.equal(foreign.status, 403);
  assert.equal(server.store.spanCount(), 0);
  const ok = await httpProbe(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(ok.status, 200);
  assert.equal(server.store.spanCount(), 1);
});
