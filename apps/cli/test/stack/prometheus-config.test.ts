import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { repoRoot } from '../../src/root.js';
import { preparePrometheus, renderAlertmanagerConfig } from '../../src/stack/components/monitoring.js';
import { stackContext } from '../../src/stack/context.js';
import { localStack } from '../../src/stack/local-stack.js';
import { renderPrometheusConfig } from '../../src/stack/prometheus-config.js';

function context() {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-stack-'));
  const ctx = stackContext(repoRoot(), { OPSIGHT_VAR_DIR: dir });
  return { ctx, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('every component with metrics is a scrape job named after its app, with pod labels', () => {
  const { ctx, done } = context();
  const stack = localStack(ctx);
  const config = parse(renderPrometheusConfig(ctx, stack.components));
  const jobs = new Map(config.scrape_configs.map((j: { job_name: string }) => [j.job_name, j]));
  for (const c of stack.components.filter((x) => x.metrics)) {
    const job = jobs.get(c.app ?? c.name) as {
      static_configs: { targets: string[]; labels: Record<string, string> }[];
    };
    assert.ok(job, `no job for ${c.name}`);
    const target = job.static_configs.find((s) => s.labels.container === c.name);
    assert.deepEqual(target?.targets, [`127.0.0.1:${c.metrics?.port}`]);
    assert.equal(target?.labels.pod, c.pod ?? `${c.app ?? c.name}-0`);
  }
  assert.equal(
    config.scrape_configs.filter((j: { job_name: string }) => j.job_name === 'model-serving').length,
    1,
    'replicas share one job',
  );
  assert.equal((jobs.get('supervisor') as { honor_labels: boolean }).honor_labels, true);
  assert.deepEqual(config.alerting.alertmanagers[0].static_configs[0].targets, [
    `127.0.0.1:${ctx.ports.alertmanager}`,
  ]);
  done();
});

test('promtool check config accepts the rendered configuration and the rule files it loads', () => {
  const { ctx, done } = context();
  const file = join(ctx.paths.varDir, 'prometheus.yml');
  writeFileSync(file, renderPrometheusConfig(ctx, localStack(ctx).components));
  const r = spawnSync('/usr/bin/promtool', ['check', 'config', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  done();
});

test('amtool check-config accepts the Alertmanager configuration', () => {
  const r = spawnSync(
    '/usr/bin/amtool',
    ['check-config', join(repoRoot(), 'observability/alertmanager/alertmanager.yml')],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('Alertmanager routes pages, data-service pages and tickets to their receivers', () => {
  const config = join(repoRoot(), 'observability/alertmanager/alertmanager.yml');
  for (const [labels, receiver] of [
    [['severity=page', 'service=gateway'], 'relay-page'],
    [['severity=page', 'service=postgres'], 'relay-page-data'],
    [['severity=ticket', 'service=postgres'], 'relay-ticket'],
    [['alertname=Unlabelled'], 'relay-ticket'],
  ] as const) {
    const r = spawnSync(
      '/usr/bin/amtool',
      ['config', 'routes', 'test', `--config.file=${config}`, ...labels],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), receiver, labels.join(' '));
  }
});

test('the local Alertmanager configuration points at this stack’s relay port and passes amtool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-stack-'));
  try {
    const ctx = stackContext(repoRoot(), {
      OPSIGHT_VAR_DIR: dir,
      OPSIGHT_PORT_OFFSET: '10000',
      OPSIGHT_FAST: '1',
    });
    const text = renderAlertmanagerConfig(ctx, {});
    assert.equal(existsSync(join(dir, 'config')), false, 'rendering writes nothing');
    assert.match(text, new RegExp(`http://127\\.0\\.0\\.1:${ctx.ports.alertRelay}/v1/alertmanager`));
    assert.doesNotMatch(text, /http:\/\/alert-relay:9096/);
    assert.match(text, /^ {2}group_wait: 1s$/m);
    assert.match(text, /^ {2}group_interval: 2s$/m);
    const file = join(dir, 'alertmanager.yml');
    writeFileSync(file, text);
    const r = spawnSync('/usr/bin/amtool', ['check-config', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('opsight up stops before starting anything when an Alertmanager receiver lacks its secret, naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-stack-'));
  const saved = process.env.OPSIGHT_ALERT_WECOM_CORP_ID;
  try {
    const ctx = stackContext(repoRoot(), { OPSIGHT_VAR_DIR: dir });
    const env = {
      OPSIGHT_ALERT_WECOM_CORP_ID: 'ww0123456789',
      OPSIGHT_ALERT_WECOM_AGENT_ID: '1000002',
      OPSIGHT_ALERT_WECOM_TO_USER: '@all',
    };
    assert.throws(() => renderAlertmanagerConfig(ctx, env), {
      name: 'AlertReceiverError',
      message:
        /^Alertmanager receiver wecom: its application secret is missing: set OPSIGHT_ALERT_WECOM_API_SECRET_FILE/,
    });
    // prepare() reads the process environment, as `opsight up` does.
    process.env.OPSIGHT_ALERT_WECOM_CORP_ID = 'ww0123456789';
    assert.throws(() => localStack(ctx).prepare(), { message: /^Alertmanager receiver wecom: / });
    assert.equal(existsSync(join(ctx.paths.data, 'postgres')), false, 'nothing else was prepared');
  } finally {
    if (saved === undefined) delete process.env.OPSIGHT_ALERT_WECOM_CORP_ID;
    else process.env.OPSIGHT_ALERT_WECOM_CORP_ID = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the local Alertmanager configuration adds the configured email receiver and is written mode 0600', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-stack-'));
  try {
    const ctx = stackContext(repoRoot(), { OPSIGHT_VAR_DIR: dir });
    writeFileSync(join(dir, 'smtp-password'), 'pw\n');
    const text = renderAlertmanagerConfig(ctx, {
      OPSIGHT_ALERT_EMAIL_TO: 'oncall@example.com',
      OPSIGHT_ALERT_EMAIL_FROM: 'alertmanager@example.com',
      OPSIGHT_ALERT_SMTP_SMARTHOST: 'smtp.example.com:587',
      OPSIGHT_ALERT_SMTP_PASSWORD_FILE: join(dir, 'smtp-password'),
    });
    const config = parse(text);
    assert.deepEqual(
      config.receivers.map((r: { name: string }) => r.name),
      ['relay-page', 'relay-page-data', 'relay-ticket', 'email'],
    );
    const file = join(dir, 'alertmanager.yml');
    writeFileSync(file, text);
    const r = spawnSync('/usr/bin/amtool', ['check-config', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    mkdirSync(ctx.paths.config, { recursive: true });
    preparePrometheus(ctx, localStack(ctx).components);
    assert.equal(statSync(join(ctx.paths.config, 'alertmanager.yml')).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
