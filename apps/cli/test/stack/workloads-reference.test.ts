import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../src/root.js';
import { ENGINE_WORKLOADS, OUR_WORKLOADS } from '../../src/stack/workloads.js';
import { renderWorkloadsReference, WORKLOADS_REFERENCE_PATH } from '../../src/stack/workloads-reference.js';

test('the committed workloads reference is the fresh render (run `npm run gen`)', () => {
  const committed = readFileSync(join(repoRoot(), WORKLOADS_REFERENCE_PATH), 'utf8');
  assert.equal(committed, renderWorkloadsReference());
  assert.equal(renderWorkloadsReference(), renderWorkloadsReference(), 'rendering is deterministic');
});

test('the reference lists every workload, its ports and its probes', () => {
  const page = renderWorkloadsReference();
  for (const d of [...OUR_WORKLOADS, ...ENGINE_WORKLOADS]) {
    assert.ok(page.includes(`| **${d.name}**`), d.name);
    assert.ok(page.includes(`### ${d.name}\n`), d.name);
    for (const p of d.ports) assert.ok(page.includes(`${p.name} ${p.port}`), `${d.name} ${p.name}`);
  }
  assert.ok(page.includes('| `--config` |  | The routing table (JSON or YAML) (required) |'));
  assert.ok(page.includes('`/ready` on metrics'));
});

test('names of our workloads and the engines are unique', () => {
  const names = [...OUR_WORKLOADS, ...ENGINE_WORKLOADS].map((d) => d.name);
  assert.equal(new Set(names).size, names.length);
});
