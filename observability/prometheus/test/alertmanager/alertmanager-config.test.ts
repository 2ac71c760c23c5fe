import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { renderAlertmanagerConfig } from '../../src/alertmanager/alertmanager-config.js';
import { nativeReceiversFromEnv } from '../../src/alertmanager/receivers.js';

const bin = fileURLToPath(new URL('../../src/bin/alertmanager-config.js', import.meta.url));

function withDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-am-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const amtool = (args: string[]) => spawnSync('/usr/bin/amtool', args, { encoding: 'utf8' });

function receiverEnv(dir: string): NodeJS.ProcessEnv {
  writeFileSync(join(dir, 'smtp-password'), 'smtp-pass\n');
  writeFileSync(join(dir, 'wecom-secret'), 'wecom-app-secret\n');
  return {
    OPSIGHT_ALERT_EMAIL_TO: 'oncall@example.com',
    OPSIGHT_ALERT_EMAIL_FROM: 'alertmanager@example.com',
    OPSIGHT_ALERT_SMTP_SMARTHOST: 'smtp.example.com:587',
    OPSIGHT_ALERT_SMTP_PASSWORD_FILE: join(dir, 'smtp-password'),
    OPSIGHT_ALERT_WECOM_CORP_ID: 'ww0123456789',
    OPSIGHT_ALERT_WECOM_AGENT_ID: '1000002',
    OPSIGHT_ALERT_WECOM_TO_PARTY: '2',
    OPSIGHT_ALERT_WECOM_TO_USER: '@all',
    OPSIGHT_ALERT_WECOM_API_SECRET_FILE: join(dir, 'wecom-secret'),
  };
}

test('with email and WeCom configured, amtool check-config accepts the configuration', () => {
  withDir((dir) => {
    const text = renderAlertmanagerConfig({ receivers: nativeReceiversFromEnv(receiverEnv(dir)) });
    const file = join(dir, 'alertmanager.yml');
    writeFileSync(file, text);
    const r = amtool(['check-config', file]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /- 5 receivers/);
    const config = parse(text);
    const email = config.receivers.find((x: { name: string }) => x.name === 'email').email_configs[0];
    assert.equal(email.auth_password_file, join(dir, 'smtp-password'));
    assert.equal(email.auth_password, undefined, 'the SMTP password stays in its file');
    assert.doesNotMatch(text, /smtp-pass\b/);
    const wecom = config.receivers.find((x: { name: string }) => x.name === 'wecom').wechat_configs[0];
    assert.deepEqual(
      { corp_id: wecom.corp_id, agent_id: wecom.agent_id, to_party: wecom.to_party, to_user: wecom.to_user },
      { corp_id: 'ww0123456789', agent_id: '1000002', to_party: '2', to_user: '@all' },
    );
    assert.equal(wecom.api_secret, 'wecom-app-secret');
  });
});

test('pages reach WeCom, email and the relay; tickets reach email and the relay; data pages keep their route', () => {
  withDir((dir) => {
    const file = join(dir, 'alertmanager.yml');
    writeFileSync(file, renderAlertmanagerConfig({ receivers: nativeReceiversFromEnv(receiverEnv(dir)) }));
    for (const [labels, receivers] of [
      [['severity=page', 'service=api-service'], 'wecom,email,relay-page'],
      [['severity=page', 'service=postgres'], 'wecom,email,relay-page-data'],
      [['severity=ticket', 'service=api-service'], 'email,relay-ticket'],
      [['alertname=Unlabelled'], 'relay-ticket'],
    ] as const) {
      const r = amtool(['config', 'routes', 'test', `--config.file=${file}`, ...labels]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), receivers, labels.join(' '));
    }
  });
});

test('without email or WeCom variables the configuration has the relay receivers only', () => {
  const config = parse(renderAlertmanagerConfig({ receivers: nativeReceiversFromEnv({}) }));
  assert.deepEqual(
    config.receivers.map((r: { name: string }) => r.name),
    ['relay-page', 'relay-page-data', 'relay-ticket'],
  );
});

test('the bin prints a deployment configuration, and exits 1 naming a receiver without its secret', () => {
  withDir((dir) => {
    const env = receiverEnv(dir);
    const ok = spawnSync(process.execPath, [bin, '--relay', 'alert-relay.monitoring:9096'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ...env },
    });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /http:\/\/alert-relay\.monitoring:9096\/v1\/alertmanager\?route=page/);
    const { OPSIGHT_ALERT_WECOM_API_SECRET_FILE: _, ...noSecret } = env;
    const bad = spawnSync(process.execPath, [bin], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ...noSecret },
    });
    assert.equal(bad.status, 1);
    assert.equal(bad.stdout, '');
    assert.match(
      bad.stderr,
      /^alertmanager-config: Alertmanager receiver wecom: its application secret is missing: set OPSIGHT_ALERT_WECOM_API_SECRET_FILE/,
    );
    const mounted = spawnSync(process.execPath, [bin, '--password-file-in-container'], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        ...env,
        OPSIGHT_ALERT_SMTP_PASSWORD_FILE: '/etc/alertmanager/secrets/smtp/password',
      },
    });
    assert.equal(mounted.status, 0, mounted.stderr);
    assert.match(mounted.stdout, /auth_password_file: \/etc\/alertmanager\/secrets\/smtp\/password/);
  });
});
