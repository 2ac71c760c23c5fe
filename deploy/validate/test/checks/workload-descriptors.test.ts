import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { composeDescriptorProblems, descriptorProblems } from '../../src/checks/workload-descriptors.js';
import { renderKustomization } from '../../src/kustomize/render.js';
import type { JsonObject } from '../../src/kustomize/strategic-merge.js';
import { OVERLAYS, overlayDir, repoRoot } from '../../src/paths.js';

const base = () => renderKustomization(join(repoRoot, 'deploy/k8s/base'));

const container = (resources: JsonObject[], workload: string, name: string): JsonObject => {
  const w = resources.find((r) => r.kind === 'Deployment' && (r.metadata as JsonObject).name === workload)!;
  const pod = ((w.spec as JsonObject).template as JsonObject).spec as JsonObject;
  return [...((pod.initContainers as JsonObject[]) ?? []), ...(pod.containers as JsonObject[])].find(
    (c) => c.name === name,
  )!;
};

test('the base runs our components with the ports, probes and resources their descriptors declare', () => {
  const resources = base();
  assert.deepEqual(descriptorProblems(repoRoot, resources), []);
  // Every container of ours was compared: nginx by its program, the others by their bins.
  for (const [workload, name] of [
    ['gateway', 'nginx'],
    ['gateway', 'render-config'],
    ['gateway', 'gateway-telemetry'],
    ['api-service', 'api-service'],
    ['model-router', 'model-router'],
    ['model-serving', 'model-serving'],
    ['alert-relay', 'alert-relay'],
  ] as const) {
    const c = container(resources, workload, name);
    const declared = c.resources!;
    c.resources = {};
    assert.equal(descriptorProblems(repoRoot, resources).length, 4, `${workload}/${name}`);
    assert.deepEqual(descriptorProblems(repoRoot, resources, { sizing: false }), []);
    c.resources = declared;
  }
});

test('every overlay keeps the ports and probes of the descriptors', () => {
  for (const overlay of OVERLAYS)
    assert.deepEqual(
      descriptorProblems(repoRoot, renderKustomization(overlayDir(overlay)), { sizing: false }),
      [],
      overlay,
    );
});

test('a manifest that restates a descriptor differently is reported', () => {
  const resources = base();
  const router = container(resources, 'model-router', 'model-router');
  (router.ports as JsonObject[])[1]!.containerPort = 9095;
  ((router.readinessProbe as JsonObject).httpGet as JsonObject).path = '/healthz';
  delete router.livenessProbe;
  ((router.resources as JsonObject).limits as JsonObject).memory = '512Mi';
  const relay = container(resources, 'alert-relay', 'alert-relay');
  (relay.ports as JsonObject[]).push({ name: 'debug', containerPort: 6060 });
  assert.deepEqual(descriptorProblems(repoRoot, resources), [
    'Deployment/model-router/model-router (model-router): port metrics is 9095; its descriptor says 9464',
    'Deployment/model-router/model-router (model-router): readiness probe /healthz on metrics; its descriptor declares /ready on metrics',
    'Deployment/model-router/model-router (model-router): has no liveness probe; its descriptor declares /healthz on metrics',
    'Deployment/model-router/model-router (model-router): limits.memory is 512Mi; its descriptor says 384Mi',
    'Deployment/alert-relay/alert-relay (alert-relay): port debug is not in its descriptor',
  ]);
});

test('compose runs our components on the ports their descriptors declare', () => {
  const read = () =>
    parse(readFileSync(join(repoRoot, 'deploy/compose/compose.yaml'), 'utf8'), {
      merge: true,
      maxAliasCount: -1,
    }) as JsonObject;
  assert.deepEqual(composeDescriptorProblems(repoRoot, read()), []);
  const compose = read();
  const router = (compose.services as JsonObject)['model-router'] as JsonObject;
  const command = router.command as string[];
  command[command.indexOf('--metrics-listen') + 1] = '0.0.0.0:9095';
  const relay = (compose.services as JsonObject)['alert-relay'] as JsonObject;
  relay.command = [...(relay.command as string[]), '--listen=0.0.0.0:19096'];
  assert.deepEqual(composeDescriptorProblems(repoRoot, compose), [
    'compose service model-router (model-router): --metrics-listen port 9095 is not a port of its descriptor',
    'compose service alert-relay (alert-relay): --listen port 19096 is not a port of its descriptor',
  ]);
});
