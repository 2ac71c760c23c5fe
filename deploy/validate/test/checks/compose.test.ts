import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { alloyConfigProblems } from '../../src/checks/alloy-config.js';
import { composeProblems, readEnvFile } from '../../src/checks/compose.js';
import { repoRoot } from '../../src/paths.js';

const composeDir = join(repoRoot, 'deploy/compose');
const compose = parse(readFileSync(join(composeDir, 'compose.yaml'), 'utf8'), {
  merge: true,
  maxAliasCount: -1,
});

test('the compose project: variables, images, ports, mounts, volumes, dependencies and hardening hold', () => {
  assert.deepEqual(composeProblems(composeDir), []);
});

test('compose runs every engine of the production column and mounts the repository configuration files', () => {
  const services = compose.services as Record<string, { image: string; volumes?: string[] }>;
  for (const name of [
    'gateway',
    'gateway-telemetry',
    'api-service',
    'model-router',
    'model-serving',
    'alert-relay',
    'postgres',
    'redis',
    'postgres-exporter',
    'redis-exporter',
    'prometheus',
    'alertmanager',
    'grafana',
    'loki',
    'alloy',
    'otel-collector',
    'jaeger',
  ])
    assert.ok(name in services, name);
  const mounts = Object.values(services).flatMap((s) => s.volumes ?? []);
  for (const file of [
    '../../observability/loki/loki-single-binary.yaml',
    '../../observability/otel-collector/config.yaml',
    '../../observability/jaeger/config.yaml',
    '../../observability/alertmanager/alertmanager.yml',
    '../../observability/postgres-exporter/queries.yaml',
  ])
    assert.ok(
      mounts.some((m) => m.startsWith(`${file}:`)),
      file,
    );
  const env = readEnvFile(readFileSync(join(composeDir, '.env'), 'utf8'));
  for (const key of ['PROMETHEUS_VERSION', 'LOKI_VERSION', 'JAEGER_VERSION', 'ALLOY_VERSION'])
    assert.ok(env.get(key));
});

test("the compose stack's Alloy configuration is complete", () => {
  assert.deepEqual(alloyConfigProblems(readFileSync(join(composeDir, 'alloy/config.alloy'), 'utf8')), []);
});

test('each built service names a workspace and an entry point that it has', async (t) => {
  const root = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] };
  for (const [name, raw] of Object.entries(compose.services as Record<string, unknown>)) {
    const s = raw as { build?: { args?: { SERVICE?: string } }; command?: string[] };
    const workspace = s.build?.args?.SERVICE;
    if (!workspace) continue;
    const present = existsSync(join(repoRoot, workspace, 'package.json'));
    await t.test(name, { skip: present ? false : `${workspace} is not in this checkout yet` }, () => {
      assert.ok(root.workspaces.includes(workspace), `${workspace} is not a workspace`);
      const pkg = JSON.parse(readFileSync(join(repoRoot, workspace, 'package.json'), 'utf8')) as {
        bin?: Record<string, string>;
      };
      const entry = (s.command ?? []).find((a) => a.endsWith('.js'));
      const bins = Object.values(pkg.bin ?? {}).map((b) => join(workspace, b));
      assert.ok(entry && bins.includes(join(entry)), `${name}: ${entry} is not a bin of ${workspace}`);
    });
  }
});

test('a broken compose project is reported', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-compose-'));
  try {
    writeFileSync(join(dir, '.env'), 'A_VERSION=1\n');
    writeFileSync(
      join(dir, 'compose.yaml'),
      `services:
  a:
    image: example/a:\${A_VERSION}
    ports: ["80:80", "bad"]
    volumes: [./missing.yaml:/x, data:/d]
    depends_on: [b]
  b:
    image: example/b:latest
    ports: ["80:81"]
    depends_on: [a, ghost]
    environment:
      X: \${UNDEFINED}
`,
    );
    const problems = composeProblems(dir).join('\n');
    for (const expected of [
      /\$\{UNDEFINED\} is not defined/,
      /b: image example\/b:latest is not versioned/,
      /port bad is not host:container/,
      /host port 80 is already used by a/,
      /bind mount .\/missing.yaml does not exist/,
      /volume data is not declared/,
      /depends on unknown service ghost/,
      /depends_on cycle: a -> b -> a/,
      /a: root filesystem is not read-only/,
      /does not drop ALL/,
      /no-new-privileges/,
    ])
      assert.match(problems, expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => readEnvFile('JUST_A_WORD\n'), /not KEY=VALUE/);
});
