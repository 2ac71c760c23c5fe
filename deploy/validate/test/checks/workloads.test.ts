import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { workloadProblems } from '../../src/checks/workloads.js';
import { renderKustomization } from '../../src/kustomize/render.js';
import type { JsonObject } from '../../src/kustomize/strategic-merge.js';
import { OVERLAYS, overlayDir, repoRoot } from '../../src/paths.js';

/** Secrets that production creates before applying (docs/deploy.md); dev generates them. */
const EXTERNAL = ['Secret/opsight/postgres-credentials', 'Secret/monitoring/grafana-admin'];

test('every overlay: probes, resources, securityContext and references hold', () => {
  for (const overlay of OVERLAYS) {
    const resources = renderKustomization(overlayDir(overlay));
    assert.deepEqual(workloadProblems(resources, overlay === 'dev' ? [] : EXTERNAL), [], overlay);
  }
});

test('the gpu overlay requests a GPU for model-serving', () => {
  const gpu = renderKustomization(join(repoRoot, 'deploy/k8s/overlays/gpu'));
  const d = gpu.find((r) => r.kind === 'Deployment' && (r.metadata as JsonObject).name === 'model-serving')!;
  const c = (((d.spec as JsonObject).template as JsonObject).spec as JsonObject).containers as JsonObject[];
  assert.equal(((c[0]!.resources as JsonObject).limits as JsonObject)['nvidia.com/gpu'], '1');
  assert.ok(gpu.some((r) => r.kind === 'DaemonSet' && (r.metadata as JsonObject).name === 'dcgm-exporter'));
});

test('a weakened workload is reported', () => {
  const bad: JsonObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'bad', namespace: 'opsight' },
    spec: {
      selector: { matchLabels: { app: 'bad' } },
      template: {
        metadata: { labels: { app: 'other' } },
        spec: {
          serviceAccountName: 'ghost',
          containers: [
            {
              name: 'c',
              image: 'x',
              securityContext: { capabilities: { add: ['NET_ADMIN'] } },
              env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }],
              volumeMounts: [{ name: 'v', mountPath: '/v' }],
            },
          ],
        },
      },
    },
  };
  const problems = workloadProblems([bad]).join('\n');
  for (const expected of [
    /selector does not match/,
    /runAsNonRoot/,
    /seccompProfile/,
    /no requests.cpu/,
    /readiness and a liveness probe/,
    /allowPrivilegeEscalation/,
    /readOnlyRootFilesystem/,
    /do not drop ALL/,
    /adds capabilities/,
    /missing Secret nope/,
    /undefined volume v/,
    /ServiceAccount ghost is missing/,
    /ServiceAccount ghost is not bound to a role that can list and watch pods/,
  ])
    assert.match(problems, expected);
  const restricted: JsonObject = {
    kind: 'Namespace',
    metadata: { name: 'opsight', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
  };
  const withHostPath = structuredClone(bad);
  const podSpec = ((withHostPath.spec as JsonObject).template as JsonObject).spec as JsonObject;
  podSpec.volumes = [{ name: 'v', hostPath: { path: '/var/log' } }];
  podSpec.hostNetwork = true;
  assert.match(
    workloadProblems([restricted, withHostPath]).join('\n'),
    /volume v is of type hostPath \(namespace enforces restricted\)/,
  );
  assert.match(workloadProblems([restricted, withHostPath]).join('\n'), /host namespaces/);
  const noAccount = structuredClone(bad);
  delete (((noAccount.spec as JsonObject).template as JsonObject).spec as JsonObject).serviceAccountName;
  assert.match(workloadProblems([noAccount]).join('\n'), /automountServiceAccountToken must be false/);
  const svc: JsonObject = {
    kind: 'Service',
    metadata: { name: 's', namespace: 'opsight' },
    spec: { selector: { app: 'none' }, ports: [{ name: 'http', port: 80 }] },
  };
  assert.match(workloadProblems([svc]).join('\n'), /selects no pod/);
  const big: JsonObject = {
    kind: 'ConfigMap',
    metadata: { name: 'big', namespace: 'monitoring' },
    data: { 'a.json': 'x'.repeat(1024 * 1024 + 1) },
  };
  assert.match(workloadProblems([big]).join('\n'), /over the 1 MiB limit/);
  const monitor: JsonObject = {
    kind: 'ServiceMonitor',
    metadata: { name: 'm', namespace: 'monitoring' },
    spec: { selector: { matchLabels: { app: 'none' } }, endpoints: [{ port: 'metrics' }] },
  };
  const monitorProblems = workloadProblems([monitor]).join('\n');
  assert.match(monitorProblems, /jobLabel is not app.kubernetes.io\/name/);
  assert.match(monitorProblems, /no selected Service has a port named metrics/);
});
