import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binaryProblems, descriptorProblems } from '@opsight/contracts/workload';
import { loadgenWorkload } from '../src/workload.js';

test("loadgen's descriptor is sound and runs this package's bin", () => {
  assert.deepEqual(descriptorProblems(loadgenWorkload), []);
  assert.deepEqual(binaryProblems(loadgenWorkload), []);
});
