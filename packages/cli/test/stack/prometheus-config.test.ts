import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { repoRoot } from '../../src/root.js';
import { stackContext } from '../../src/stack/context.js';
import { localStack } from '../../src/stack/local-stack.js';
import { renderPrometheusConfig } from '../../src/stack/prometheus-config.js';

function context() {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-stack-'));
  const ctx = stackContext(repoRoot(), { OPSIGHT_VAR_DIR: dir });
  return { ctx, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('every component with metrics is a scrape job named after its app, with pod labels', () => {
  const { ctx, done } = context();
  const stack = localStack(ctx);
  const config = parse(renderPrometheusConfig(ctx, stack.components));
  const jobs = new Map(config.scrape_configs.map((j: { job_name: string }) => [j.job_name, j]));
  for (const c of stack.components.filter((x) => x.metrics)) {
    const job = jobs.get(c.app ?? c.name) as {
      static_configs: { targets: string[]; labels: Record<string, string> }[];
    };
    assert.ok(job, `no job for ${c.name}`);
    const target = job.static_configs.find((s) => s.labels.container === c.name);
    assert.deepEqual(target?.targets, [`127.0.0.1:${c.metrics?.port}`]);
    assert.equal(target?.labels.pod, c.pod ?? `${c.app ?? c.name}-0`);
  }
  assert.equal(
    config.scrape_configs.filter((j: { job_name: string }) => j.job_name === 'model-serving').length,
    1,
    'replicas share one job',
  );
  assert.equal((jobs.get('supervisor') as { honor_labels: boolean }).honor_labels, true);
  assert.deepEqual(config.alerting.alertmanagers[0].static_configs[0].targets, [
    `127.0.0.1:${ctx.ports.alertmanager}`,
  ]);
  done();
});

test('promtool check config accepts the rendered configuration', () => {
  const { ctx, done } = context();
  const file = join(ctx.paths.varDir, 'prometheus.yml');
  writeFileSync(file, renderPrometheusConfig(ctx, localStack(ctx).components));
  const r = spawnSync('/usr/bin/promtool', ['check', 'config', '--syntax-only', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  done();
});

test('amtool check-config accepts the Alertmanager configuration', () => {
  const r = spawnSync(
    '/usr/bin/amtool',
    ['check-config', join(repoRoot(), 'observability/alertmanager/alertmanager.yml')],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
