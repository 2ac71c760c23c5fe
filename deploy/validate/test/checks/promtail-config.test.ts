import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { promtailConfigProblems } from '../../src/checks/promtail-config.js';
import { repoRoot } from '../../src/paths.js';

test('the Promtail configuration is complete', () => {
  const config = parse(readFileSync(join(repoRoot, 'observability/promtail/promtail.yaml'), 'utf8'));
  assert.deepEqual(promtailConfigProblems(config), []);
});

test('a broken Promtail configuration is reported', () => {
  const problems = promtailConfigProblems({
    clients: [{ url: 'http://loki:3100/' }],
    scrape_configs: [
      {
        job_name: 'a',
        pipeline_stages: [
          { cri: {} },
          { labels: { level: null } },
          { jsonn: {} },
          { timestamp: { source: 'ts' } },
        ],
      },
      { job_name: 'a', static_configs: [] },
    ],
  }).join('\n');
  for (const expected of [
    /http_listen_port/,
    /positions.filename/,
    /not a Loki push URL/,
    /job a is defined twice/,
    /no relabel rule sets __path__/,
    /labels uses level, which no earlier stage extracts/,
    /unknown stage jsonn/,
    /timestamp source ts/,
    /has no tenant_id/,
  ])
    assert.match(problems, expected);
});
