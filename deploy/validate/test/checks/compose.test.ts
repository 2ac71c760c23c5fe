import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
    configs: [routing]
    secrets: [ghost-secret]
configs:
  routing:
    file: ./missing-routing.json
secrets:
  password:
    environment: NOT_IN_ENV
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
      /configs routing: file .\/missing-routing.json does not exist/,
      /b: secrets ghost-secret is not declared/,
      /secrets password: NOT_IN_ENV is not defined in .env/,
    ])
      assert.match(problems, expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => readEnvFile('JUST_A_WORD\n'), /not KEY=VALUE/);
});

test('an insecure compose project is refused: open ports, the Docker socket, committed and default passwords', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-compose-'));
  try {
    writeFileSync(join(dir, '.env'), 'V=1\nGRAFANA_ADMIN_PASSWORD=admin\nDB_PASSWORD=x\n');
    writeFileSync(join(dir, 'init-secrets'), 'NAMES="db-password"\n');
    writeFileSync(
      join(dir, 'compose.yaml'),
      `services:
  check-secrets:
    image: example/check:\${V}
    command: [sh, /etc/opsight/check-secrets, /run/secrets/db-password]
    read_only: true
    cap_drop: [ALL]
    security_opt: [no-new-privileges:true]
  prometheus:
    image: example/prometheus:\${V}
    ports: ["9090:9090", "0.0.0.0:9093:9093", "[::]:9094:9094", "127.0.0.1:9095:9095"]
    read_only: true
    cap_drop: [ALL]
    security_opt: [no-new-privileges:true]
  alloy:
    image: example/alloy:\${V}
    volumes: [/var/run/docker.sock:/var/run/docker.sock:ro, /etc:/host-etc:ro, /var/lib/docker/containers:/c]
    read_only: true
    cap_drop: [ALL]
    security_opt: [no-new-privileges:true]
  grafana:
    image: grafana/grafana:\${V}
    environment:
      GF_SECURITY_ADMIN_PASSWORD: admin
    secrets: [db-password, other]
    depends_on: [check-secrets]
    read_only: true
    cap_drop: [ALL]
    security_opt: [no-new-privileges:true]
secrets:
  db-password:
    file: ./secrets/db-password
  other:
    file: ./secrets/other
  from-env:
    environment: DB_PASSWORD
`,
    );
    const problems = composeProblems(dir).join('\n');
    for (const expected of [
      /prometheus: port 9090:9090 is published on every interface/,
      /prometheus: port 0.0.0.0:9093:9093 is published on every interface/,
      /prometheus: port \[::\]:9094:9094 is published on every interface/,
      /alloy: mounts the Docker socket/,
      /alloy: mounts host path \/etc, not in HOST_PATHS/,
      /alloy: host path \/var\/lib\/docker\/containers is not read-only/,
      /\.env: GRAFANA_ADMIN_PASSWORD commits a secret/,
      /\.env: DB_PASSWORD commits a secret/,
      /grafana: GF_SECURITY_ADMIN_PASSWORD is a literal value/,
      /grafana: Grafana without GF_AUTH_ANONYMOUS_ENABLED "false"/,
      /grafana: reads secrets without waiting for check-secrets/,
      /secrets other: .\/secrets\/other is not generated by init-secrets/,
      /secrets from-env: taken from the environment/,
      /check-secrets does not check the secret other/,
    ])
      assert.match(problems, expected);
    assert.doesNotMatch(problems, /9095/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('init-secrets generates private secrets once; check-secrets refuses known defaults and short values', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-secrets-'));
  try {
    const secrets = join(dir, 'secrets');
    const init = () =>
      spawnSync(join(composeDir, 'init-secrets'), [], {
        env: { ...process.env, OPSIGHT_SECRETS_DIR: secrets },
        encoding: 'utf8',
      });
    assert.equal(init().status, 0);
    const names = ['postgres-password', 'grafana-admin-password'];
    const files = names.map((n) => join(secrets, n));
    assert.equal(statSync(secrets).mode & 0o777, 0o700);
    const values = files.map((f) => readFileSync(f, 'utf8'));
    for (const v of values) assert.match(v, /^[A-Za-z0-9_-]{32}$/);
    assert.notEqual(values[0], values[1]);
    // Run again (every start): nothing changes.
    assert.equal(init().status, 0);
    assert.deepEqual(
      files.map((f) => readFileSync(f, 'utf8')),
      values,
    );
    const check = (...paths: string[]) =>
      spawnSync('sh', [join(composeDir, 'check-secrets'), ...paths], { encoding: 'utf8' });
    assert.equal(check(...files).status, 0, check(...files).stderr);
    for (const weak of [
      'admin',
      'postgres',
      'password',
      'changeme',
      'ChangeMe\n',
      '',
      'opsight-compose',
      'short-but-new',
    ]) {
      writeFileSync(files[0]!, weak);
      const r = check(...files);
      assert.equal(r.status, 1, JSON.stringify(weak));
      assert.match(r.stderr, /refusing to start|shorter than 16/);
    }
    assert.equal(check(join(dir, 'missing')).status, 1);
    // The compose project runs exactly this script, on every secret, before anything reads one.
    const services = compose.services as Record<string, { command?: string[]; depends_on?: unknown }>;
    assert.deepEqual(services['check-secrets']!.command, [
      'sh',
      '/etc/opsight/check-secrets',
      ...names.map((n) => `/run/secrets/${n}`),
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the committed compose project publishes on loopback only and commits no password', () => {
  const services = compose.services as Record<string, { ports?: string[]; volumes?: string[] }>;
  const ports = Object.values(services).flatMap((s) => s.ports ?? []);
  assert.ok(ports.length >= 8);
  for (const p of ports) assert.match(p, /^127\.0\.0\.1:/);
  const mounts = Object.values(services).flatMap((s) => s.volumes ?? []);
  assert.ok(!mounts.some((m) => m.includes('docker.sock')));
  const env = readEnvFile(readFileSync(join(composeDir, '.env'), 'utf8'));
  for (const [key, value] of env) assert.doesNotMatch(`${key}=${value}`, /PASSWORD|SECRET|TOKEN|admin/i);
  const grafana = (compose.services as Record<string, { environment: Record<string, string> }>).grafana!;
  assert.equal(grafana.environment.GF_AUTH_ANONYMOUS_ENABLED, 'false');
  assert.equal(grafana.environment.GF_SECURITY_ADMIN_PASSWORD__FILE, '/run/secrets/grafana-admin-password');
});
