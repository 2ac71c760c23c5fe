import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binaryProblems, descriptorProblems } from '@opsight/contracts/workload';
import { createLogStore } from '../src/internal/http/server.js';
import { collectorWorkload, logstoreWorkload } from '../src/workload.js';

test("the log store's and the collector's descriptors are sound and run this package's bins", () => {
  for (const d of [logstoreWorkload, collectorWorkload]) {
    assert.deepEqual(descriptorProblems(d), []);
    assert.deepEqual(binaryProblems(d), []);
  }
});

test('the log store serves the probe and metrics paths its descriptor declares', async (t) => {
  const store = createLogStore({ dataDir: ':memory:', port: 0 });
  await store.listen();
  t.after(() => store.close());
  for (const path of [logstoreWorkload.probes.readiness?.path, logstoreWorkload.metrics?.path]) {
    assert.ok(path);
    assert.equal((await fetch(`${store.url}${path}`)).status, 200, path);
  }
});
