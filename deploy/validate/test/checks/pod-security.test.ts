import assert from 'node:assert/strict';
import { test } from 'node:test';
import { namespaceProblems, PRIVILEGED_NAMESPACES } from '../../src/checks/network-policies.js';
import { podSecurityProblems, restrictedNamespaces } from '../../src/checks/pod-security.js';
import { renderKustomization } from '../../src/kustomize/render.js';
import type { JsonObject } from '../../src/kustomize/strategic-merge.js';
import { OVERLAYS, overlayDir } from '../../src/paths.js';

const NODE_AGENTS = new Set(['alloy', 'promtail', 'dcgm-exporter']);

for (const overlay of OVERLAYS) {
  test(`${overlay}: opsight and monitoring enforce restricted and every pod there meets it`, () => {
    const resources = renderKustomization(overlayDir(overlay));
    const restricted = restrictedNamespaces(resources);
    assert.ok(restricted.has('opsight') && restricted.has('monitoring'), [...restricted].join(', '));
    assert.deepEqual(podSecurityProblems(resources), []);
    // Every namespace below restricted is listed with a reason, and holds only node agents.
    for (const ns of resources.filter((r) => r.kind === 'Namespace')) {
      const name = String((ns.metadata as JsonObject).name);
      if (restricted.has(name)) continue;
      assert.ok(PRIVILEGED_NAMESPACES[name]?.trim(), `${name} is not restricted and not listed`);
      for (const r of resources.filter((x) => (x.metadata as JsonObject).namespace === name))
        if (['Deployment', 'StatefulSet', 'DaemonSet'].includes(String(r.kind)))
          assert.ok(NODE_AGENTS.has(String((r.metadata as JsonObject).name)), `${name}: ${String(r.kind)}`);
    }
    // The node agents are not in a restricted namespace (they would be refused at admission).
    const agents = resources.filter(
      (r) => r.kind === 'DaemonSet' && NODE_AGENTS.has(String((r.metadata as JsonObject).name)),
    );
    assert.ok(agents.length >= 1);
    for (const a of agents) assert.equal((a.metadata as JsonObject).namespace, 'opsight-node');
  });
}

const restrictedNs = (name: string): JsonObject => ({
  kind: 'Namespace',
  metadata: { name, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
});

/** A Deployment that meets restricted; each case below breaks it in one way. */
function compliant(): JsonObject {
  return {
    kind: 'Deployment',
    metadata: { name: 'a', namespace: 'r' },
    spec: {
      template: {
        spec: {
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'a',
              ports: [{ name: 'http', containerPort: 8080 }],
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}

const podOf = (d: JsonObject): JsonObject =>
  ((d.spec as JsonObject).template as JsonObject).spec as JsonObject;
const containerOf = (d: JsonObject): JsonObject => (podOf(d).containers as JsonObject[])[0]!;
const secOf = (d: JsonObject): JsonObject => containerOf(d).securityContext as JsonObject;

test('a pod that breaks restricted in one way is reported, in a restricted namespace only', () => {
  assert.deepEqual(podSecurityProblems([restrictedNs('r'), compliant()]), []);
  const cases: [string, (d: JsonObject) => void, RegExp][] = [
    ['no runAsNonRoot', (d) => delete (podOf(d).securityContext as JsonObject).runAsNonRoot, /runAsNonRoot/],
    [
      'uid 0',
      (d) => Object.assign(podOf(d).securityContext as JsonObject, { runAsUser: 0 }),
      /runAsUser is 0/,
    ],
    ['escalation', (d) => delete secOf(d).allowPrivilegeEscalation, /allowPrivilegeEscalation is not false/],
    ['capabilities kept', (d) => delete secOf(d).capabilities, /do not drop ALL/],
    [
      'capability added',
      (d) => Object.assign(secOf(d), { capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } }),
      /adds capability SYS_ADMIN/,
    ],
    ['no seccomp', (d) => delete (podOf(d).securityContext as JsonObject).seccompProfile, /seccompProfile/],
    [
      'unconfined container',
      (d) => Object.assign(secOf(d), { seccompProfile: { type: 'Unconfined' } }),
      /seccompProfile/,
    ],
    ['privileged', (d) => Object.assign(secOf(d), { privileged: true }), /privileged/],
    [
      'hostPath',
      (d) => (podOf(d).volumes as JsonObject[]).push({ name: 'h', hostPath: { path: '/' } }),
      /volume h is of type hostPath/,
    ],
    ['hostNetwork', (d) => Object.assign(podOf(d), { hostNetwork: true }), /host namespaces/],
    [
      'hostPort',
      (d) => Object.assign((containerOf(d).ports as JsonObject[])[0]!, { hostPort: 80 }),
      /hostPort 80/,
    ],
  ];
  for (const [what, breakIt, expected] of cases) {
    const d = compliant();
    breakIt(d);
    const problems = podSecurityProblems([restrictedNs('r'), d]);
    assert.match(problems.join('\n'), expected, what);
    assert.ok(
      problems.every((p) => p.startsWith('Deployment/r/a: ')),
      what,
    );
    // The same pod outside a restricted namespace is not this check's concern.
    assert.deepEqual(podSecurityProblems([d]), [], what);
  }
  // NET_BIND_SERVICE is the one capability restricted admits.
  const bind = compliant();
  Object.assign(secOf(bind), { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } });
  assert.deepEqual(podSecurityProblems([restrictedNs('r'), bind]), []);
});

test('operator-made pods (Prometheus, Alertmanager) are checked from their objects', () => {
  const prometheus: JsonObject = {
    kind: 'Prometheus',
    metadata: { name: 'p', namespace: 'r' },
    spec: { securityContext: { runAsUser: 1000 } },
  };
  const problems = podSecurityProblems([restrictedNs('r'), prometheus]).join('\n');
  // No containers given: the operator's own meet the profile, so only the pod fields are judged.
  assert.equal(problems, '');
  (prometheus.spec as JsonObject).containers = [{ name: 'prometheus' }];
  assert.match(
    podSecurityProblems([restrictedNs('r'), prometheus]).join('\n'),
    /Prometheus\/r\/p: container prometheus: runAsNonRoot/,
  );
});

test('a namespace below restricted must be listed in PRIVILEGED_NAMESPACES with a reason', () => {
  const ns = (name: string, level: string): JsonObject => ({
    kind: 'Namespace',
    metadata: { name, labels: { 'pod-security.kubernetes.io/enforce': level } },
  });
  assert.deepEqual(namespaceProblems([ns('opsight-node', 'privileged')]), []);
  assert.deepEqual(namespaceProblems([ns('monitoring', 'privileged')]), [
    'Namespace monitoring: enforces privileged, not restricted, and PRIVILEGED_NAMESPACES gives no reason',
  ]);
  const saved = PRIVILEGED_NAMESPACES['opsight-node']!;
  PRIVILEGED_NAMESPACES['opsight-node'] = ' ';
  try {
    assert.match(namespaceProblems([ns('opsight-node', 'privileged')]).join('\n'), /gives no reason/);
  } finally {
    PRIVILEGED_NAMESPACES['opsight-node'] = saved;
  }
});
