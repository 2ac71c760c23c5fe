import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../src/root.js';
import { consoleUi } from '../../../src/stack/components/console.js';
import { stackContext } from '../../../src/stack/context.js';
import { localStack } from '../../../src/stack/local-stack.js';

test('the console is in the stack on its port, 127.0.0.1 only, proxying to the stack’s engines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-console-'));
  try {
    const ctx = stackContext(repoRoot(), { OPSIGHT_VAR_DIR: dir, OPSIGHT_PORT_OFFSET: '10000' });
    const spec = consoleUi(ctx);
    assert.ok(localStack(ctx).components.some((c) => c.name === 'console'));
    assert.ok(existsSync(spec.args?.[0] ?? ''), 'the console bin is built');
    const arg = (flag: string) => spec.args?.[(spec.args?.indexOf(flag) ?? -2) + 1];
    assert.equal(arg('--listen'), '127.0.0.1:13000');
    assert.equal(arg('--prometheus'), 'http://127.0.0.1:19090');
    assert.equal(arg('--loki'), 'http://127.0.0.1:13100');
    assert.equal(arg('--jaeger'), 'http://127.0.0.1:26686');
    assert.equal(arg('--alertmanager'), 'http://127.0.0.1:19093');
    assert.equal(arg('--relay'), 'http://127.0.0.1:19096');
    // Alertmanager runs behind basic auth: the console sends the stack's password (a file, not an argument).
    assert.equal(arg('--alertmanager-user'), 'opsight');
    assert.equal(arg('--alertmanager-password-file'), join(dir, 'secrets', 'alertmanager'));
    assert.deepEqual(spec.ports, [{ name: 'http', port: 13000 }]);
    assert.equal(spec.readinessProbe?.http?.path, '/ready');
    assert.ok(
      localStack(ctx).endpoints.some((e) => e.name === 'Console' && e.url === 'http://127.0.0.1:13000'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
