import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binaryProblems, descriptorProblems } from '@opsight/contracts/workload';
import { startConsole } from '../src/server.js';
import { consoleWorkload } from '../src/workload.js';

test("the console's descriptor is sound and runs this package's bin", () => {
  assert.deepEqual(descriptorProblems(consoleWorkload), []);
  assert.deepEqual(binaryProblems(consoleWorkload), []);
});

test('the console serves the readiness path its descriptor declares', async (t) => {
  const nowhere = 'http://127.0.0.1:9';
  const app = await startConsole({
    port: 0,
    upstreams: { prometheus: nowhere, loki: nowhere, jaeger: nowhere, alertmanager: nowhere },
  });
  t.after(() => app.close());
  const path = consoleWorkload.probes.readiness?.path;
  assert.equal((await fetch(`${app.url}${path}`)).status, 200);
});
