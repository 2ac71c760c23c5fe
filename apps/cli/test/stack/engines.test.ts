import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { descriptorProblems } from '@opsight/contracts/workload';
import { repoRoot } from '../../src/root.js';
import { stackContext } from '../../src/stack/context.js';
import { ENGINE_WORKLOADS } from '../../src/stack/engines.js';
import { localStack } from '../../src/stack/local-stack.js';

const varDir = mkdtempSync(join(tmpdir(), 'opsight-engines-'));
after(() => rmSync(varDir, { recursive: true, force: true }));

test("the engines' descriptors are sound", () => {
  for (const d of ENGINE_WORKLOADS) assert.deepEqual(descriptorProblems(d), [], d.name);
});

test('the local engines run with the ports and readiness probes of their descriptors', () => {
  const ctx = stackContext(repoRoot(), { OPSIGHT_VAR_DIR: varDir });
  const specs = new Map(localStack(ctx).components.map((c) => [c.name, c]));
  for (const d of ENGINE_WORKLOADS.filter((e) => e.name !== 'postgres')) {
    const spec = specs.get(d.name);
    assert.ok(spec, d.name);
    assert.deepEqual(
      spec.ports?.map((p) => p.name),
      d.ports.map((p) => p.name),
      d.name,
    );
    const probe = spec.readinessProbe;
    assert.equal(probe?.http?.path, d.probes.readiness?.path, d.name);
    assert.equal(probe?.tcp !== undefined, d.probes.readiness?.path === undefined, d.name);
    assert.equal(spec.metrics !== undefined, d.metrics !== undefined, d.name);
  }
  // Alertmanager wants basic auth on every path: the probe and the scrape carry it.
  const alertmanager = specs.get('alertmanager');
  assert.match(alertmanager?.readinessProbe?.http?.headers?.authorization ?? '', /^Basic /);
  assert.equal(alertmanager?.metrics?.basicAuth?.username, 'opsight');
});
