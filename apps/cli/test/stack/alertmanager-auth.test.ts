import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import bcrypt from 'bcryptjs';
import { parse } from 'yaml';
import { repoRoot } from '../../src/root.js';
import { renderAlertmanagerWebConfig } from '../../src/stack/alertmanager-auth.js';
import { alertmanager, preparePrometheus, prometheus } from '../../src/stack/components/monitoring.js';
import { stackContext } from '../../src/stack/context.js';
import { localStack } from '../../src/stack/local-stack.js';
import { renderPrometheusConfig } from '../../src/stack/prometheus-config.js';

function context(env: NodeJS.ProcessEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-amauth-'));
  const ctx = stackContext(repoRoot(), { OPSIGHT_VAR_DIR: dir, ...env });
  mkdirSync(ctx.paths.config, { recursive: true });
  return { ctx, dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('the Alertmanager web config holds one user with the bcrypt hash of the stack’s secret, never the password', () => {
  const { ctx, dir, done } = context();
  try {
    const password = ctx.secrets.alertmanager;
    assert.match(password, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(statSync(join(dir, 'secrets', 'alertmanager')).mode & 0o777, 0o600);
    const text = renderAlertmanagerWebConfig(ctx);
    assert.match(text, /^# Rendered by opsight up/);
    assert.ok(!text.includes(password), 'the password is not in the file');
    const config = parse(text) as { basic_auth_users: Record<string, string> };
    assert.deepEqual(Object.keys(config), ['basic_auth_users']);
    assert.deepEqual(Object.keys(config.basic_auth_users), ['opsight']);
    const hash = config.basic_auth_users.opsight as string;
    assert.match(hash, /^\$2[aby]\$10\$/);
    assert.ok(bcrypt.compareSync(password, hash));
    assert.ok(!bcrypt.compareSync(`${password}x`, hash));
  } finally {
    done();
  }
});

test('Prometheus sends alerts and scrapes Alertmanager with basic auth from the password file', () => {
  const { ctx, dir, done } = context();
  try {
    const text = renderPrometheusConfig(ctx, localStack(ctx).components);
    assert.ok(!text.includes(ctx.secrets.alertmanager), 'the password is not in prometheus.yml');
    const config = parse(text);
    const auth = { username: 'opsight', password_file: join(dir, 'secrets', 'alertmanager') };
    assert.deepEqual(config.alerting.alertmanagers[0].basic_auth, auth);
    const jobs = config.scrape_configs as { job_name: string; basic_auth?: unknown }[];
    assert.deepEqual(jobs.find((j) => j.job_name === 'alertmanager')?.basic_auth, auth);
    assert.deepEqual(
      jobs.filter((j) => j.basic_auth).map((j) => j.job_name),
      ['alertmanager'],
      'only Alertmanager wants basic auth',
    );
  } finally {
    done();
  }
});

test('Alertmanager runs with the web config (mode 0600), its probe authenticates, Prometheus has no lifecycle API', () => {
  const { ctx, dir, done } = context();
  try {
    const stack = localStack(ctx);
    preparePrometheus(ctx, stack.components);
    const webConfig = join(dir, 'config', 'alertmanager-web.yml');
    assert.equal(statSync(webConfig).mode & 0o777, 0o600);
    const spec = alertmanager(ctx);
    assert.ok(spec.args?.includes(`--web.config.file=${webConfig}`));
    assert.ok(
      !spec.args?.some((a) => a.includes(ctx.secrets.alertmanager)),
      'no password on the command line',
    );
    const header = spec.readinessProbe?.http?.headers?.authorization ?? '';
    assert.equal(
      Buffer.from(header.replace(/^Basic /, ''), 'base64').toString(),
      `opsight:${ctx.secrets.alertmanager}`,
    );
    assert.ok(!prometheus(ctx).args?.includes('--web.enable-lifecycle'));
  } finally {
    done();
  }
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

test('the real Alertmanager with the rendered config refuses a cross-origin preflight and a bare silence with 401', async () => {
  const port = await freePort();
  const { ctx, done } = context({ OPSIGHT_PORT_ALERTMANAGER: String(port) });
  let child: ChildProcess | undefined;
  try {
    const spec = alertmanager(ctx);
    preparePrometheus(ctx, localStack(ctx).components);
    child = spawn(spec.command, spec.args ?? [], { stdio: 'ignore' });
    const base = `http://127.0.0.1:${port}`;
    const authorization = spec.readinessProbe?.http?.headers?.authorization as string;
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/-/ready`, { headers: { authorization } }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      assert.ok(i < 100, 'Alertmanager did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
    const preflight = await fetch(`${base}/api/v2/silences`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    assert.equal(preflight.status, 401);
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    const silence = {
      matchers: [{ name: 'alertname', value: 'Planted', isRegex: false }],
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 3600_000).toISOString(),
      createdBy: 'evil',
      comment: 'planted',
    };
    const post = (headers: Record<string, string>) =>
      fetch(`${base}/api/v2/silences`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(silence),
      });
    assert.equal((await post({})).status, 401);
    const wrong = `Basic ${Buffer.from('opsight:guess').toString('base64')}`;
    assert.equal((await post({ authorization: wrong })).status, 401);
    assert.equal((await fetch(`${base}/metrics`)).status, 401);
    assert.equal((await post({ authorization })).status, 200, 'the stack’s own credentials work');
  } finally {
    child?.kill();
    done();
  }
});
