import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { readYamlDocuments } from '../../src/kustomize/render.js';
import type { JsonObject } from '../../src/kustomize/strategic-merge.js';
import { repoRoot } from '../../src/paths.js';

test('the grafana-dashboards ConfigMap carries every generated dashboard', () => {
  const generated = join(repoRoot, 'observability/dashboards/generated');
  const files = existsSync(generated)
    ? readdirSync(generated)
        .filter((f) => f.endsWith('.json'))
        .sort()
    : [];
  const [k] = readYamlDocuments(join(repoRoot, 'deploy/k8s/base/monitoring/kustomization.yaml'));
  const generator = (k!.configMapGenerator as JsonObject[]).find((g) => g.name === 'grafana-dashboards')!;
  const listed = ((generator.files as string[] | undefined) ?? [])
    .map((f) => basename(f.split('=').pop()!))
    .sort();
  assert.deepEqual(
    listed,
    files,
    'list each observability/dashboards/generated/*.json under the grafana-dashboards configMapGenerator ' +
      'as ../../../../observability/dashboards/generated/<file>',
  );
});
