import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binaryProblems, descriptorProblems } from '@opsight/contracts/workload';
import { tracestoreWorkload } from '../src/workload.js';

test("the trace store's descriptor is sound and runs this package's bin", () => {
  assert.deepEqual(descriptorProblems(tracestoreWorkload), []);
  assert.deepEqual(binaryProblems(tracestoreWorkload), []);
});
