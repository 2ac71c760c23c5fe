import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../src/root.js';
import { stackContext } from '../../src/stack/context.js';
import { localStack } from '../../src/stack/local-stack.js';

test("every Opsight server learns the console's port; Prometheus answers CORS for the console only", () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-browser-'));
  try {
    const ctx = stackContext(repoRoot(), { OPSIGHT_VAR_DIR: dir, OPSIGHT_PORT_OFFSET: '10000' });
    const { components } = localStack(ctx);
    for (const name of [
      'logstore',
      'tracestore',
      'console',
      'alert-relay',
      'gateway-telemetry',
      'collector',
    ]) {
      const c = components.find((x) => x.name === name);
      assert.equal(c?.env?.OPSIGHT_CONSOLE_PORT, '13000', name);
    }
    const prometheus = components.find((c) => c.name === 'prometheus')!;
    const cors = prometheus.args?.find((a) => a.startsWith('--web.cors.origin='));
    assert.equal(cors, '--web.cors.origin=http://(127\\.0\\.0\\.1|localhost|\\[::1\\]):13000');
    const pattern = new RegExp(`^(?:${cors!.slice('--web.cors.origin='.length)})$`);
    assert.equal(pattern.test('http://localhost:13000'), true);
    assert.equal(pattern.test('http://evil.example'), false);
    assert.equal(pattern.test('http://127.0.0.1:13000.evil.example'), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
