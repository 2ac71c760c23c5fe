import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { KustomizeError, renderKustomization, resourceId } from '../../src/kustomize/render.js';
import type { JsonObject } from '../../src/kustomize/strategic-merge.js';
import { OVERLAYS, overlayDir, repoRoot } from '../../src/paths.js';

function withDir(files: Record<string, string>, fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-kustomize-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: app
          image: example/app:1.0
          env:
            - name: A
              value: "1"
        - name: side
          image: example/side
`;

test('every overlay renders, each resource once, with a namespace on every namespaced object', () => {
  for (const overlay of OVERLAYS) {
    const resources = renderKustomization(overlayDir(overlay));
    assert.ok(resources.length > 50, `${overlay}: ${resources.length} resources`);
    for (const r of resources) {
      const meta = r.metadata as JsonObject;
      if (!['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(String(r.kind)))
        assert.ok(
          ['opsight', 'monitoring', 'opsight-node'].includes(String(meta.namespace)),
          `${overlay}: ${resourceId(r)}`,
        );
      assert.equal(
        (meta.labels as JsonObject)['app.kubernetes.io/part-of'],
        'opsight',
        `${overlay}: ${resourceId(r)}`,
      );
    }
  }
});

test('the promtail overlay replaces Alloy with Promtail and kube-prometheus-stack drops the servers', () => {
  const promtail = renderKustomization(overlayDir('promtail')).map(resourceId);
  assert.ok(promtail.includes('DaemonSet/opsight-node/promtail'));
  assert.ok(!promtail.includes('DaemonSet/opsight-node/alloy'));
  const kps = renderKustomization(overlayDir('kube-prometheus-stack')).map(resourceId);
  assert.ok(!kps.some((id) => id.startsWith('Prometheus/') || id.startsWith('Alertmanager/')));
  assert.ok(kps.includes('Secret/monitoring/alertmanager-config'));
});

test('the generators carry the repository files unchanged', async () => {
  const { readFileSync } = await import('node:fs');
  const prod = renderKustomization(overlayDir('prod'));
  const cm = (name: string) =>
    prod.find((r) => r.kind === 'ConfigMap' && (r.metadata as JsonObject).name === name)!;
  assert.equal(
    (cm('loki-config').data as JsonObject)['loki-single-binary.yaml'],
    readFileSync(join(repoRoot, 'observability/loki/loki-single-binary.yaml'), 'utf8'),
  );
  assert.equal(
    (cm('otel-collector-gateway-config').data as JsonObject)['config.yaml'],
    readFileSync(join(repoRoot, 'observability/otel-collector/config.yaml'), 'utf8'),
  );
  const secret = prod.find(
    (r) => r.kind === 'Secret' && (r.metadata as JsonObject).name === 'alertmanager-config',
  )!;
  assert.equal(
    Buffer.from(String((secret.data as JsonObject)['alertmanager.yaml']), 'base64').toString('utf8'),
    readFileSync(join(repoRoot, 'observability/alertmanager/alertmanager.yml'), 'utf8'),
  );
});

/** The kustomize the machine has: `kubectl kustomize`, else the standalone `kustomize build`. */
function kustomizeCommand(): [string, string[]] | undefined {
  if (spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0)
    return ['kubectl', ['kustomize']];
  if (spawnSync('kustomize', ['version'], { encoding: 'utf8' }).status === 0) return ['kustomize', ['build']];
  return undefined;
}
const kustomize = kustomizeCommand();

test('the renderer agrees with plain kubectl kustomize (no load-restrictor flag) on every overlay', {
  skip: kustomize ? false : 'neither kubectl nor kustomize is installed on this machine',
}, () => {
  const [command, args] = kustomize!;
  for (const overlay of OVERLAYS) {
    const r = spawnSync(command, [...args, overlayDir(overlay)], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(r.status, 0, r.stderr);
    const theirs = new Map(
      parseAllDocuments(r.stdout).map((d) => {
        const v = d.toJSON() as JsonObject;
        // kubectl folds long base64 values over several lines; the bytes are the same.
        if (v.kind === 'Secret' && v.data)
          for (const [k, text] of Object.entries(v.data as JsonObject))
            (v.data as JsonObject)[k] = String(text).replace(/\s/g, '');
        return [resourceId(v), v] as const;
      }),
    );
    const ours = new Map(renderKustomization(overlayDir(overlay)).map((v) => [resourceId(v), v] as const));
    assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort(), overlay);
    for (const [id, value] of ours) assert.deepEqual(value, theirs.get(id), `${overlay}: ${id}`);
  }
});

test('a kustomization may include another directory outside its own, but no file from there', () => {
  withDir(
    {
      'base/d.yaml': deployment,
      'base/kustomization.yaml': 'resources: [d.yaml]\n',
      'overlay/kustomization.yaml': 'resources: [../base]\nnamespace: x\n',
    },
    (dir) => {
      const [d] = renderKustomization(join(dir, 'overlay'));
      assert.equal((d!.metadata as JsonObject).namespace, 'x');
    },
  );
});

test('patches merge named lists, replace other lists and delete with $patch', () => {
  withDir(
    {
      'base/deployment.yaml': deployment,
      'kustomization.yaml': `resources: [base/deployment.yaml]
patches:
  - patch: |
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
      spec:
        replicas: null
        template:
          spec:
            containers:
              - name: app
                env:
                  - name: B
                    value: "2"
              - name: side
                $patch: delete
images:
  - name: example/app
    newName: registry.example.com/app
    newTag: "2.0"
`,
    },
    (dir) => {
      const [d] = renderKustomization(dir);
      const spec = d!.spec as JsonObject;
      assert.equal(spec.replicas, undefined);
      const containers = ((spec.template as JsonObject).spec as JsonObject).containers as JsonObject[];
      assert.equal(containers.length, 1);
      assert.equal(containers[0]!.image, 'registry.example.com/app:2.0');
      assert.deepEqual((containers[0]!.env as JsonObject[]).map((e) => e.name).sort(), ['A', 'B']);
    },
  );
});

test('bad kustomizations are refused with the file and the reason', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ 'kustomization.yaml': 'namePrefix: x-\n' }, /field namePrefix is not supported/],
    [{ 'kustomization.yaml': 'resources: [missing.yaml]\n' }, /resource missing.yaml does not exist/],
    [
      { 'kustomization.yaml': 'configMapGenerator:\n  - name: c\n    literals: [a=1]\n' },
      /disableNameSuffixHash/,
    ],
    [
      {
        'kustomization.yaml':
          'generatorOptions: {disableNameSuffixHash: true}\nconfigMapGenerator:\n  - name: c\n    files: [nope.txt]\n',
      },
      /nope.txt does not exist/,
    ],
    [
      {
        'd.yaml': deployment,
        'kustomization.yaml':
          'resources: [d.yaml]\npatches:\n  - patch: "kind: Deployment\\nmetadata: {name: other}"\n',
      },
      /matches no resource/,
    ],
    [{ 'd.yaml': deployment, 'kustomization.yaml': 'resources: [d.yaml, d.yaml]\n' }, /defined twice/],
    [{ 'd.yaml': 'a: [', 'kustomization.yaml': 'resources: [d.yaml]\n' }, /d.yaml/],
    [{ 'kustomization.yaml': 'resources: 3\n' }, /resources must be a list/],
    [
      { 'outside.yaml': deployment, 'k/kustomization.yaml': 'resources: [../outside.yaml]\n' },
      /resource \.\.\/outside\.yaml is outside the kustomization's directory/,
    ],
    [
      {
        'outside.txt': 'x',
        'k/kustomization.yaml':
          'generatorOptions: {disableNameSuffixHash: true}\nconfigMapGenerator:\n  - name: c\n    files: [a=../outside.txt]\n',
      },
      /generator file \.\.\/outside\.txt is outside/,
    ],
    [
      {
        'k/d.yaml': deployment,
        'p.yaml': deployment,
        'k/kustomization.yaml': 'resources: [d.yaml]\npatches:\n  - path: ../p.yaml\n',
      },
      /patch \.\.\/p\.yaml is outside/,
    ],
  ];
  for (const [files, message] of cases) {
    withDir(files, (dir) => {
      const root = Object.keys(files).some((f) => f.startsWith('k/')) ? join(dir, 'k') : dir;
      assert.throws(
        () => renderKustomization(root),
        (e: unknown) => e instanceof KustomizeError && message.test(e.message),
      );
    });
  }
});

test('no overlay commits a password: secret generators read git-ignored files that init-secrets creates', () => {
  for (const overlay of OVERLAYS) {
    const text = readFileSync(join(repoRoot, 'deploy/k8s/overlays', overlay, 'kustomization.yaml'), 'utf8');
    const k = parse(text) as { secretGenerator?: { literals?: string[]; files?: string[] }[] };
    for (const g of k.secretGenerator ?? []) {
      for (const literal of g.literals ?? [])
        assert.doesNotMatch(literal, /pass|secret|token|key/i, `${overlay}: ${literal}`);
      for (const file of g.files ?? []) {
        const path = file.split('=').at(-1)!;
        assert.match(path, /^secrets\//, `${overlay}: ${file} is not under the git-ignored secrets/`);
      }
    }
  }
  const dir = overlayDir('dev');
  const ignored = execFileSync('git', ['check-ignore', join(dir, 'secrets/postgres-password')], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.ok(ignored.trim().endsWith('secrets/postgres-password'));
  const secrets = renderKustomization(dir).filter((r) => r.kind === 'Secret');
  const data = (name: string) =>
    Buffer.from(
      String((secrets.find((s) => (s.metadata as JsonObject).name === name)!.data as JsonObject).password),
      'base64',
    ).toString();
  for (const [name, file] of [
    ['postgres-credentials', 'postgres-password'],
    ['grafana-admin', 'grafana-admin-password'],
  ] as const) {
    const value = data(name);
    assert.equal(value, readFileSync(join(dir, 'secrets', file), 'utf8'));
    assert.match(value, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(statSync(join(dir, 'secrets', file)).mode & 0o777, 0o600);
  }
});
