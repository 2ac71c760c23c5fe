import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binaryProblems, descriptorProblems } from '@opsight/contracts/workload';
import { startTestTelemetry } from '@opsight/telemetry/testing';
import { buildServingApp } from '../src/app.js';
import { modelProfile } from '../src/internal/model-profile.js';
import { gpuExporterWorkload, modelServingWorkload } from '../src/workload.js';

test("model-serving's and the GPU exporter's descriptors are sound and run this package's bins", () => {
  for (const d of [modelServingWorkload, gpuExporterWorkload]) {
    assert.deepEqual(descriptorProblems(d), []);
    assert.deepEqual(binaryProblems(d), []);
  }
});

test('model-serving serves the probe and metrics paths its descriptor declares', async (t) => {
  startTestTelemetry('model-serving-workload-test');
  const app = await buildServingApp({ models: [modelProfile('m', 'instant')] });
  t.after(() => app.close());
  const { liveness, readiness } = modelServingWorkload.probes;
  for (const path of [liveness?.path, readiness?.path, modelServingWorkload.metrics?.path]) {
    assert.ok(path);
    assert.equal((await app.inject({ url: path })).statusCode, 200, path);
  }
});
