import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpProbe } from '@opsight/http-guard';
import { nodeScript, startSupervisor } from './helpers.js';

// The supervisor API, as a web page in the developer's browser reaches it (it runs on loopback, so the
// loopback-only rule of stop/start alone does not keep a page out).
test('a foreign Host gets 421 and a page of another origin cannot stop a component', async (t) => {
  const { supervisor, dispose } = await startSupervisor([
    nodeScript('sleeper', 'setInterval(() => {}, 1000)'),
  ]);
  t.after(dispose);
  await supervisor.waitUntilReady(10_000);
  const port = new URL(supervisor.url).port;
  const refused = await httpProbe(`${supervisor.url}/api/v1/components`, {
    headers: { host: `evil.example:${port}` },
  });
  assert.equal(refused.status, 421);
  assert.equal(JSON.parse(refused.body).code, 'HOST_NOT_ALLOWED');
  const served = await httpProbe(`${supervisor.url}/api/v1/components`, {
    headers: { host: `localhost:${port}` },
  });
  assert.equal(served.status, 200);

  const stop = `${supervisor.url}/api/v1/components/sleeper/stop`;
  const foreign = await httpProbe(stop, { method: 'POST', headers: { origin: 'http://evil.example' } });
  assert.equal(foreign.status, 403);
  assert.equal(JSON.parse(foreign.body).code, 'ORIGIN_NOT_ALLOWED');
  const plain = await httpProbe(stop, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: 'x',
  });
  assert.equal(plain.status, 415);
  assert.equal(supervisor.component('sleeper')!.state, 'Running');
});
