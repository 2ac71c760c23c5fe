import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binaryProblems, descriptorProblems } from '@opsight/contracts/workload';
import { buildRelay } from '../src/relay.js';
import { alertRelayWorkload } from '../src/workload.js';

test("the relay's descriptor is sound and runs this package's bin", () => {
  assert.deepEqual(descriptorProblems(alertRelayWorkload), []);
  assert.deepEqual(binaryProblems(alertRelayWorkload), []);
});

test('the relay serves the probe and metrics paths its descriptor declares', async (t) => {
  const app = buildRelay({ receivers: [{ name: 'inbox', type: 'inbox' }], queueDir: ':memory:' });
  t.after(() => app.close());
  const { liveness, readiness } = alertRelayWorkload.probes;
  for (const path of [liveness?.path, readiness?.path, alertRelayWorkload.metrics?.path]) {
    assert.ok(path);
    assert.equal((await app.inject({ url: path })).statusCode, 200, path);
  }
});
