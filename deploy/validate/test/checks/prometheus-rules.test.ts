import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  localRuleGroups,
  prometheusRuleGroups,
  promtoolCheck,
  ruleDirectoryListing,
} from '../../src/checks/prometheus-rules.js';
import { renderKustomization } from '../../src/kustomize/render.js';
import type { JsonObject } from '../../src/kustomize/strategic-merge.js';
import { repoRoot } from '../../src/paths.js';

const rulesDir = join(repoRoot, 'deploy/k8s/base/monitoring/prometheus-rules');
const byName = (groups: JsonObject[]) =>
  Object.fromEntries(
    groups.map((g) => [String(g.name), g]).sort(([a], [b]) => String(a).localeCompare(String(b))),
  );

test('the prometheus-rules kustomization lists exactly the rendered files beside it', () => {
  const { files, listed } = ruleDirectoryListing(rulesDir);
  assert.deepEqual(listed, files);
});

test('the PrometheusRule objects carry the same groups as the local rule files', () => {
  const rendered = prometheusRuleGroups(renderKustomization(join(repoRoot, 'deploy/k8s/overlays/prod')));
  const local = localRuleGroups([
    join(repoRoot, 'observability/prometheus/rules'),
    join(repoRoot, 'observability/prometheus/alerts'),
  ]);
  assert.deepEqual(byName(rendered), byName(local));
});

const promtool = promtoolCheck([]);
test('promtool accepts the rendered rule groups, and rejects a broken one', {
  skip: promtool === undefined ? 'promtool is not installed (scripts/bootstrap installs it)' : false,
}, () => {
  const rendered = prometheusRuleGroups(renderKustomization(join(repoRoot, 'deploy/k8s/overlays/prod')));
  const good = promtoolCheck(rendered)!;
  assert.ok(good.ok, good.output);
  const bad = promtoolCheck([{ name: 'g', rules: [{ record: 'x', expr: 'sum(' }] }])!;
  assert.equal(bad.ok, false);
});

test('a directory whose kustomization misses a file, or groups that differ, are told apart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-rules-dir-'));
  try {
    mkdirSync(join(dir, 'rules'));
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [a-prometheusrule.yaml]\n');
    writeFileSync(join(dir, 'a-prometheusrule.yaml'), 'kind: PrometheusRule\n');
    writeFileSync(join(dir, 'b-prometheusrule.yaml'), 'kind: PrometheusRule\n');
    const { files, listed } = ruleDirectoryListing(dir);
    assert.notDeepEqual(listed, files);
    writeFileSync(
      join(dir, 'rules', 'r.yml'),
      'groups:\n  - name: g\n    rules:\n      - record: a\n        expr: "1"\n',
    );
    const local = localRuleGroups([join(dir, 'rules')]);
    const rendered = prometheusRuleGroups([
      { kind: 'PrometheusRule', spec: { groups: [{ name: 'g', rules: [{ record: 'a', expr: '2' }] }] } },
    ]);
    assert.equal(local.length, 1);
    assert.notDeepEqual(byName(rendered), byName(local));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
