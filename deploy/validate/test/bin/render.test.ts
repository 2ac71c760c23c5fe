import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from '../../src/paths.js';

const bin = fileURLToPath(new URL('../../src/bin/render.js', import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });

test('render prints every manifest of an overlay, and --check finds no problem', () => {
  const out = run(join(repoRoot, 'deploy/k8s/overlays/prod'));
  assert.equal(out.status, 0, out.stderr);
  assert.ok(parseAllDocuments(out.stdout).length > 50);
  const checked = run(join(repoRoot, 'deploy/k8s/overlays/prod'), '--check');
  assert.equal(checked.status, 0, checked.stdout);
  assert.match(checked.stdout, /resources, 0 problems/);
});

test('render refuses a missing directory and a missing argument', () => {
  const missing = run(join(repoRoot, 'deploy/k8s/overlays/nope'));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no kustomization.yaml/);
  assert.equal(run().status, 2);
});
