import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const register = pathToFileURL(fileURLToPath(new URL('../src/register.js', import.meta.url))).href;
const app = fileURLToPath(new URL('./fixtures/register-app.js', import.meta.url));

function run(env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', register, app], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', OTEL_TRACES_EXPORTER: 'none', ...env },
    timeout: 20_000,
  });
}

test('--import @opsight/telemetry/register starts telemetry before the application', () => {
  const result = run({ OTEL_SERVICE_NAME: 'model-router', OPSIGHT_SERVICE_VERSION: '2.0.0' });
  assert.equal(result.status, 0, result.stderr);
  const line = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  assert.equal(line.service, 'model-router');
  assert.equal(line.message, 'registered');
  assert.equal(line.started_by, 'register');
});

test('the register module refuses to start without a service name, or with an invalid OTEL_* value', () => {
  const missing = run({});
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /invalid OTEL_SERVICE_NAME="": required by @opsight\/telemetry\/register/);
  const invalid = run({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'maybe' });
  assert.notEqual(invalid.status, 0);
  assert.match(invalid.stderr, /invalid OTEL_TRACES_SAMPLER="maybe"/);
});
