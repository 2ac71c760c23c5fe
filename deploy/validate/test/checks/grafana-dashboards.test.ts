import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { renderDashboards } from '@opsight/dashboards';
import { k8sRoot } from '../../src/kustomize/config-files.js';
import { readYamlDocuments } from '../../src/kustomize/render.js';
import type { JsonObject } from '../../src/kustomize/strategic-merge.js';

test('the grafana-dashboards ConfigMap carries every generated dashboard', () => {
  const files = renderDashboards()
    .map((f) => basename(f.path))
    .sort();
  assert.ok(files.length > 0);
  const [k] = readYamlDocuments(join(k8sRoot, 'base/monitoring/kustomization.yaml'));
  const generator = (k!.configMapGenerator as JsonObject[]).find((g) => g.name === 'grafana-dashboards')!;
  const listed = ((generator.files as string[] | undefined) ?? []).sort();
  assert.deepEqual(
    listed,
    files.map((f) => `generated/dashboards/${f}`),
    'list each dashboard of @opsight/dashboards under the grafana-dashboards configMapGenerator as ' +
      'generated/dashboards/<file> (npm run gen writes the copies)',
  );
});
