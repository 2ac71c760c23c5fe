import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TELEMETRY_ENV, TELEMETRY_REGISTER_ENV } from '@opsight/telemetry/workload';
import { readOtelEnv } from '../../src/config/otel-env.js';
import { K8S_ENV } from '../../src/tracing/resource.js';

/** The documented defaults, as an environment. */
const defaults = (prefix: string) =>
  Object.fromEntries(
    Object.entries(TELEMETRY_ENV)
      .filter(([name, v]) => name.startsWith(prefix) && v.default !== undefined)
      .map(([name, v]) => [name, v.default]),
  );

test('the documented OTEL_* defaults are the ones the SDK applies', () => {
  assert.ok(Object.keys(defaults('OTEL_')).length >= 8);
  assert.deepEqual(readOtelEnv(defaults('OTEL_')), readOtelEnv({}));
});

test('every variable of the pod identity is listed, and the preload variables apart', () => {
  for (const [, names] of K8S_ENV) for (const name of names) assert.ok(TELEMETRY_ENV[name], name);
  assert.equal(TELEMETRY_ENV.LOG_LEVEL?.default, 'info');
  for (const name of Object.keys(TELEMETRY_REGISTER_ENV)) assert.equal(TELEMETRY_ENV[name], undefined, name);
  for (const [name, v] of Object.entries(TELEMETRY_ENV))
    assert.equal(v.secret === true, /HEADERS$/.test(name), `${name}: only the export headers carry secrets`);
});
