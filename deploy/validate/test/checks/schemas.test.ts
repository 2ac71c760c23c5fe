import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateManifest } from '../../src/checks/schemas.js';
import { renderKustomization, resourceId } from '../../src/kustomize/render.js';
import { OVERLAYS, overlayDir } from '../../src/paths.js';

test('every manifest of every overlay is valid against the Kubernetes and Prometheus Operator schemas', () => {
  for (const overlay of OVERLAYS) {
    for (const manifest of renderKustomization(overlayDir(overlay))) {
      assert.deepEqual(validateManifest(manifest), [], `${overlay}: ${resourceId(manifest)}`);
    }
  }
});

test('schema violations and unknown kinds are reported', () => {
  assert.match(
    validateManifest({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      spec: {
        selector: {},
        template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 'http' }] }] } },
      },
    }).join('\n'),
    /containerPort must be integer/,
  );
  assert.match(
    validateManifest({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'x' },
      spec: { endpoints: 'x' },
    }).join('\n'),
    /endpoints/,
  );
  assert.deepEqual(validateManifest({ apiVersion: 'example.com/v1', kind: 'Thing' }), [
    'no schema for example.com/v1/Thing',
  ]);
});
