import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { dcgmGpuUtilization, dcgmMemoryUsedBytes } from '@opsight/catalog';
import { panelQueries } from '../../src/queries.js';
import { renderDashboards } from '../../src/render.js';

const gpuQueries = renderDashboards()
  .flatMap((f) => panelQueries(JSON.parse(f.text)))
  .filter((q) => q.dashboard === 'opsight-model-serving' && /\bdcgm_/.test(q.expr));

test('GPU 0 of two nodes are two GPUs on the GPU panels (promtool evaluates the panel queries)', () => {
  assert.equal(gpuQueries.length, 2);
  const node = (host: string, util: number, mib: number) => [
    {
      series: `${dcgmGpuUtilization.name}{Hostname="${host}",gpu="0",UUID="GPU-${host}"}`,
      values: `${util}x5`,
    },
    {
      series: `${dcgmMemoryUsedBytes.name}{Hostname="${host}",gpu="0",UUID="GPU-${host}"}`,
      values: `${mib * 1048576}x5`,
    },
  ];
  const expected = (name: string) =>
    name === dcgmGpuUtilization.name
      ? [
          { labels: '{Hostname="node-a",gpu="0"}', value: 20 },
          { labels: '{Hostname="node-b",gpu="0"}', value: 90 },
        ]
      : [
          { labels: '{Hostname="node-a",gpu="0"}', value: 1000 * 1048576 },
          { labels: '{Hostname="node-b",gpu="0"}', value: 70000 * 1048576 },
        ];
  const dir = mkdtempSync(join(tmpdir(), 'opsight-gpu-panels-'));
  try {
    const file = join(dir, 'gpu-panels.test.yml');
    // promtool reads YAML, of which JSON is a subset.
    writeFileSync(
      file,
      JSON.stringify({
        rule_files: [],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: [...node('node-a', 20, 1000), ...node('node-b', 90, 70000)],
            promql_expr_test: gpuQueries.map((q) => ({
              expr: q.expr,
              eval_time: '2m',
              exp_samples: expected(/dcgm_\w+/.exec(q.expr)?.[0] ?? ''),
            })),
          },
        ],
      }),
    );
    const r = spawnSync(process.env.PROMTOOL ?? '/usr/bin/promtool', ['test', 'rules', file], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
