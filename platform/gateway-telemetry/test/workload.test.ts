import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binaryProblems, descriptorProblems } from '@opsight/contracts/workload';
import { gatewayTelemetryWorkload } from '../src/workload.js';

test("gateway-telemetry's descriptor is sound and runs this package's bin", () => {
  assert.deepEqual(descriptorProblems(gatewayTelemetryWorkload), []);
  assert.deepEqual(binaryProblems(gatewayTelemetryWorkload), []);
});
