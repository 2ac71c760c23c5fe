import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../src/root.js';
import {
  findNvidiaSmi,
  LOCAL_MODELS,
  MODEL_SERVING_INSTANCES,
  modelComponents,
  prepareModelRouter,
} from '../../../src/stack/components/models.js';
import { stackContext } from '../../../src/stack/context.js';
import { localStack } from '../../../src/stack/local-stack.js';

test('three serving instances on consecutive ports from modelServing, and the router', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-models-'));
  try {
    const ctx = stackContext(repoRoot(), { OPSIGHT_VAR_DIR: dir, OPSIGHT_PORT_OFFSET: '10000' });
    const specs = modelComponents(ctx, { PATH: '' });
    assert.deepEqual(
      specs.map((s) => [s.name, s.ports?.[0]?.port]),
      [
        ['model-serving-0', 18090],
        ['model-serving-1', 18091],
        ['model-serving-2', 18092],
        ['model-router', 60051],
      ],
    );
    assert.ok(specs.every((s) => s.readinessProbe && s.metrics));
    assert.equal(specs[3]?.metrics?.port, ctx.ports.modelRouterMetrics);
    assert.deepEqual(specs[3]?.dependsOn, ['model-serving-0', 'model-serving-1', 'model-serving-2']);
    // No port of the stack is used twice.
    const all = localStack(ctx).components.flatMap((c) => (c.ports ?? []).map((p) => p.port));
    assert.equal(new Set(all).size, all.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the router table gets the ports of the port table', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-models-'));
  try {
    const ctx = stackContext(repoRoot(), { OPSIGHT_VAR_DIR: dir, OPSIGHT_PORT_OFFSET: '10000' });
    mkdirSync(ctx.paths.config, { recursive: true });
    prepareModelRouter(ctx);
    const text = readFileSync(join(ctx.paths.config, 'model-router.json'), 'utf8');
    assert.doesNotMatch(text, /\{\{/);
    const table = JSON.parse(text);
    assert.deepEqual(
      Object.values(table.backends).map((b) => (b as { url: string }).url),
      ['http://127.0.0.1:18090', 'http://127.0.0.1:18091', 'http://127.0.0.1:18092'],
    );
    assert.deepEqual(Object.keys(table.models), LOCAL_MODELS);
    // Each model's backend is the instance that serves it.
    for (const [index, instance] of MODEL_SERVING_INSTANCES.entries())
      for (const model of [instance.model, ...(instance.also ?? []).map((a) => a.model)])
        assert.equal(table.models[model].backends[0].backend, `serving-${index}`, model);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the GPU exporter runs only where nvidia-smi exists', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-models-'));
  try {
    const ctx = stackContext(repoRoot(), { OPSIGHT_VAR_DIR: dir });
    assert.equal(findNvidiaSmi({ PATH: dir }), undefined);
    assert.ok(!modelComponents(ctx, { PATH: dir }).some((c) => c.name === 'gpu-exporter'));
    const fake = join(dir, 'nvidia-smi');
    writeFileSync(fake, '#!/bin/sh\nexit 0\n');
    chmodSync(fake, 0o755);
    assert.equal(findNvidiaSmi({ PATH: `/nonexistent:${dir}` }), fake);
    const exporter = modelComponents(ctx, { PATH: dir }).find((c) => c.name === 'gpu-exporter');
    assert.ok(exporter);
    assert.equal(exporter.metrics?.port, ctx.ports.gpuExporter);
    assert.deepEqual(exporter.args?.slice(-2), ['--nvidia-smi', fake]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
