import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { validateSpecs } from '@opsight/supervisor';
import { repoRoot } from '../../../src/root.js';
import { apiService } from '../../../src/stack/components/api-service.js';
import { stackContext } from '../../../src/stack/context.js';
import { localStack } from '../../../src/stack/local-stack.js';

const varDir = mkdtempSync(join(tmpdir(), 'opsight-stack-'));
after(() => rmSync(varDir, { recursive: true, force: true }));

test('api-service: on its port, after postgres-setup, redis and the model router, ready on /healthz, scraped', () => {
  const ctx = stackContext(repoRoot(), { OPSIGHT_VAR_DIR: varDir, OPSIGHT_PORT_OFFSET: '10000' });
  const spec = apiService(ctx);
  assert.equal(spec.name, 'api-service');
  assert.deepEqual(spec.ports, [{ name: 'http', port: 18081 }]);
  assert.deepEqual(spec.metrics, { port: 18081 });
  assert.deepEqual(spec.readinessProbe?.http, { port: 18081, path: '/healthz' });
  assert.deepEqual(spec.dependsOn, ['postgres-setup', 'redis', 'model-router']);
  assert.ok(existsSync(spec.args![1]!.replace('/dist/src/bin/', '/src/bin/').replace(/\.js$/, '.ts')));
  assert.equal(spec.env!.OPSIGHT_API_LISTEN, '127.0.0.1:18081');
  assert.equal(spec.env!.OPSIGHT_ROUTER_ADDRESS, '127.0.0.1:60051');
  assert.equal(spec.env!.PGPORT, '15433');
});

test('api-service: passwords and the admin key only as files, never in arguments or environment', () => {
  const ctx = stackContext(repoRoot(), { OPSIGHT_VAR_DIR: varDir });
  const spec = apiService(ctx);
  const visible = JSON.stringify([spec.command, spec.args, spec.env]);
  for (const secret of [ctx.secrets.postgresApp, ctx.secrets.redis, ctx.secrets.apiAdmin])
    assert.equal(visible.includes(secret), false);
  assert.equal(readFileSync(spec.env!.OPSIGHT_PG_PASSWORD_FILE!, 'utf8').trim(), ctx.secrets.postgresApp);
  assert.equal(readFileSync(spec.env!.OPSIGHT_REDIS_PASSWORD_FILE!, 'utf8').trim(), ctx.secrets.redis);
  // The key admin API is on, with the generated admin key that `opsight keys` sends.
  assert.equal(readFileSync(spec.env!.OPSIGHT_ADMIN_KEY_FILE!, 'utf8').trim(), ctx.secrets.apiAdmin);
  assert.ok(ctx.secrets.apiAdmin.length >= 16);
});

test('the local stack with api-service is a valid set of specs', () => {
  const ctx = stackContext(repoRoot(), { OPSIGHT_VAR_DIR: varDir });
  const stack = localStack(ctx);
  assert.doesNotThrow(() => validateSpecs(stack.components));
  assert.ok(stack.components.some((c) => c.name === 'api-service'));
});
