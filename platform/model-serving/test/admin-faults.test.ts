// The fault switches exist only when asked for, and never in front of a real model: tried in-process and
// through the real binary (a crafted `POST /admin/faults {"crash":true}` from anyone on the port).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestTelemetry } from '@opsight/telemetry/testing';
import { buildServingApp, ServingConfigError } from '../src/app.js';
import { modelProfile } from '../src/internal/model-profile.js';

startTestTelemetry('model-serving-admin-faults-test');
const BIN = fileURLToPath(new URL('../src/bin/model-serving.js', import.meta.url));
const models = [modelProfile('m', 'instant')];

test('without the flag, /admin/faults does not exist: 404, and a crash request crashes nothing', async () => {
  let crashes = 0;
  const app = await buildServingApp({ models, onCrash: () => void crashes++ });
  try {
    for (const method of ['GET', 'POST', 'DELETE'] as const) {
      const res = await app.inject({
        method,
        url: '/admin/faults',
        ...(method === 'POST' ? { payload: { crash: true, errorRate: 1 } } : {}),
      });
      assert.equal(res.statusCode, 404, method);
      assert.equal(res.json().error.code, 'ROUTE_NOT_FOUND');
    }
    const chat = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
    });
    assert.equal(chat.statusCode, 200);
    assert.equal(crashes, 0);
  } finally {
    await app.close();
  }
});

test('with the flag, the switches work', async () => {
  const app = await buildServingApp({ models, faults: true, onCrash: () => {} });
  try {
    const res = await app.inject({ method: 'POST', url: '/admin/faults', payload: { errorRate: 1 } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().errorRate, 1);
  } finally {
    await app.close();
  }
});

test('the flag together with an upstream is refused', async () => {
  await assert.rejects(
    buildServingApp({ models, faults: true, upstream: { baseUrl: 'http://127.0.0.1:1/v1' } }),
    (e: Error) => e instanceof ServingConfigError && /OPSIGHT_FAULTS=1.*upstream/.test(e.message),
  );
});

/** Runs the binary until it exits (or is killed once it listens); its status and stderr. */
function run(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--listen', '127.0.0.1:0', '--model', 'm=instant'], {
      env: { PATH: process.env.PATH ?? '', OTEL_SDK_DISABLED: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdout.on('data', (d) => {
      if (String(d).includes('listening')) child.kill('SIGTERM');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('the binary refuses to start with OPSIGHT_FAULTS=1 and an upstream, and says why', async () => {
  const refused = await run({ OPSIGHT_FAULTS: '1', UPSTREAM_BASE_URL: 'http://127.0.0.1:1/v1' });
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /OPSIGHT_FAULTS=1 cannot be used with --upstream-url/);
  const upstreamOnly = await run({ UPSTREAM_BASE_URL: 'http://127.0.0.1:1/v1' });
  assert.notEqual(upstreamOnly.code, 2, upstreamOnly.stderr);
  assert.doesNotMatch(upstreamOnly.stderr, /OPSIGHT_FAULTS/);
});
