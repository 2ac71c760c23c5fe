import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allowedPeers, isIsolated, namespaceProblems, podInfos } from '../../src/checks/network-policies.js';
import { renderKustomization } from '../../src/kustomize/render.js';
import type { JsonObject } from '../../src/kustomize/strategic-merge.js';
import { OVERLAYS, overlayDir } from '../../src/paths.js';

const PROMETHEUS = 'monitoring/prometheus';
/** Where /metrics shares the serving port, the one legitimate caller of that port besides Prometheus. */
const SHARED_PORT_CALLERS: Record<string, string[]> = {
  'api-service': ['opsight/gateway'],
  'model-serving': ['opsight/model-router'],
  loki: ['monitoring/grafana', 'opsight-node/alloy', 'opsight-node/promtail'],
  'alert-relay': ['monitoring/alertmanager'],
};

function scrapedPorts(resources: JsonObject[]): { app: string; port: string }[] {
  const out: { app: string; port: string }[] = [];
  for (const mon of resources.filter((r) => r.kind === 'ServiceMonitor' || r.kind === 'PodMonitor')) {
    const spec = mon.spec as JsonObject;
    const app = String(((spec.selector as JsonObject).matchLabels as JsonObject)['app.kubernetes.io/name']);
    const endpoints = (
      mon.kind === 'ServiceMonitor' ? spec.endpoints : spec.podMetricsEndpoints
    ) as JsonObject[];
    for (const ep of endpoints) {
      let port = String(ep.port);
      if (mon.kind === 'ServiceMonitor') {
        // The Service port's targetPort names the container port.
        const svc = resources.find(
          (r) =>
            r.kind === 'Service' &&
            ((r.metadata as JsonObject).labels as JsonObject)['app.kubernetes.io/name'] === app &&
            ((r.spec as JsonObject).ports as JsonObject[]).some((p) => p.name === port),
        )!;
        port = String(
          ((svc.spec as JsonObject).ports as JsonObject[]).find((p) => p.name === port)!.targetPort,
        );
      }
      out.push({ app, port });
    }
  }
  return out;
}

for (const overlay of OVERLAYS) {
  test(`${overlay}: every pod is isolated, only Prometheus reaches /metrics, only the collector reaches Jaeger`, () => {
    const resources = renderKustomization(overlayDir(overlay));
    assert.deepEqual(namespaceProblems(resources), [], overlay);
    const pods = podInfos(resources);
    for (const pod of pods)
      assert.ok(isIsolated(resources, pod), `${pod.namespace}/${pod.app} is not isolated`);
    const scraped = scrapedPorts(resources);
    assert.ok(scraped.length >= 10);
    for (const { app, port } of scraped) {
      const pod = pods.find((p) => p.app === app)!;
      const containerPort = pod.ports.find((p) => p.name === port)!;
      assert.ok(containerPort, `${app}: no container port ${port}`);
      const allowed = [PROMETHEUS, ...(SHARED_PORT_CALLERS[app] ?? [])].sort();
      const peers = allowedPeers(resources, pod, containerPort);
      assert.ok(
        peers.every((p) => allowed.includes(p)),
        `${app}:${port} is open to ${peers.join(', ')}`,
      );
      assert.ok(peers.includes(PROMETHEUS), `${app}:${port} is closed to Prometheus`);
    }
    const jaeger = pods.find((p) => p.app === 'jaeger')!;
    for (const name of ['otlp-grpc', 'otlp-http'])
      assert.deepEqual(allowedPeers(resources, jaeger, jaeger.ports.find((p) => p.name === name)!), [
        'monitoring/otel-collector-gateway',
      ]);
  });
}

test('an open rule, a missing policy and a namespace-wide peer are seen', () => {
  const deployment = (name: string): JsonObject => ({
    kind: 'Deployment',
    metadata: { name, namespace: 'n' },
    spec: {
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': name } },
        spec: { containers: [{ name, ports: [{ name: 'metrics', containerPort: 9000 }] }] },
      },
    },
  });
  const policy = (name: string, ingress: JsonObject[]): JsonObject => ({
    kind: 'NetworkPolicy',
    metadata: { name, namespace: 'n' },
    spec: { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'a' } }, ingress },
  });
  const resources = [
    deployment('a'),
    deployment('b'),
    policy('open', [{ ports: [{ port: 'metrics' }] }]),
    policy('ns', [
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'x' } } }],
        ports: [{ port: 9000 }],
      },
    ]),
    policy('other-port', [
      { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'b' } } }], ports: [{ port: 80 }] },
    ]),
  ];
  const [a, b] = podInfos(resources);
  assert.deepEqual(allowedPeers(resources, a!, a!.ports[0]!), ['*', 'x/*']);
  assert.equal(isIsolated(resources, b!), false);
  assert.deepEqual(allowedPeers(resources, b!, b!.ports[0]!), ['*']);
});

test('a namespace without a Pod Security label, or without a default-deny egress policy, is reported', () => {
  const resources: JsonObject[] = [
    { kind: 'Namespace', metadata: { name: 'n' } },
    {
      kind: 'Namespace',
      metadata: { name: 'loose', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } },
    },
    {
      kind: 'Deployment',
      metadata: { name: 'a', namespace: 'n' },
      spec: {
        template: { metadata: { labels: { 'app.kubernetes.io/name': 'a' } }, spec: { containers: [] } },
      },
    },
    {
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny-ingress', namespace: 'n' },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    },
    // Egress for one app only: not a default deny.
    {
      kind: 'NetworkPolicy',
      metadata: { name: 'a-egress', namespace: 'n' },
      spec: { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'a' } }, policyTypes: ['Egress'] },
    },
  ];
  assert.deepEqual(namespaceProblems(resources), [
    'Namespace n: no pod-security.kubernetes.io/enforce label',
    'Namespace loose: enforces baseline, not restricted, and PRIVILEGED_NAMESPACES gives no reason',
    'namespace n: no default-deny egress NetworkPolicy',
  ]);
});
