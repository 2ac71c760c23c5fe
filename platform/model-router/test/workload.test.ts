import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binaryProblems, descriptorProblems } from '@opsight/contracts/workload';
import { modelRouterWorkload } from '../src/workload.js';

test("model-router's descriptor is sound and runs this package's bin", () => {
  assert.deepEqual(descriptorProblems(modelRouterWorkload), []);
  assert.deepEqual(binaryProblems(modelRouterWorkload), []);
});
