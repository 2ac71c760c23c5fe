import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binaryProblems, descriptorProblems } from '@opsight/contracts/workload';
import { apiServiceWorkload } from '../src/workload.js';

test("api-service's descriptor is sound and runs this package's bin", () => {
  assert.deepEqual(descriptorProblems(apiServiceWorkload), []);
  assert.deepEqual(binaryProblems(apiServiceWorkload), []);
});
