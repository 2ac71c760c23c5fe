import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  AlertReceiverError,
  EMAIL_VARIABLES as E,
  nativeReceiversFromEnv,
  WECOM_VARIABLES as W,
} from '../../src/alertmanager/receivers.js';

function withSecrets<T>(fn: (files: { password: string; secret: string; empty: string }) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-receivers-'));
  try {
    const files = {
      password: join(dir, 'smtp-password'),
      secret: join(dir, 'wecom-secret'),
      empty: join(dir, 'empty'),
    };
    writeFileSync(files.password, 'smtp-pass\n');
    writeFileSync(files.secret, 'wecom-secret\n');
    writeFileSync(files.empty, '\n');
    return fn(files);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const emailEnv = (password: string) => ({
  [E.to]: 'oncall@example.com',
  [E.from]: 'alertmanager@example.com',
  [E.smarthost]: 'smtp.example.com:587',
  [E.authPasswordFile]: password,
});

const wecomEnv = (secret: string) => ({
  [W.corpId]: 'ww0123456789',
  [W.agentId]: '1000002',
  [W.toParty]: '2|3',
  [W.apiSecretFile]: secret,
});

test('no variables: neither receiver is configured', () => {
  assert.deepEqual(nativeReceiversFromEnv({}), { email: undefined, wecom: undefined });
});

test('configured receivers: email keeps the password file path, WeCom reads its secret', () => {
  withSecrets((f) => {
    const r = nativeReceiversFromEnv({ ...emailEnv(f.password), ...wecomEnv(f.secret) });
    assert.deepEqual(r.email, {
      to: 'oncall@example.com',
      from: 'alertmanager@example.com',
      smarthost: 'smtp.example.com:587',
      authUsername: 'alertmanager@example.com',
      authPasswordFile: f.password,
      requireTls: true,
    });
    assert.deepEqual(r.wecom, {
      corpId: 'ww0123456789',
      agentId: '1000002',
      toParty: '2|3',
      apiSecret: 'wecom-secret',
    });
  });
});

/** Asserts that `env` is refused with a message naming the receiver and the variable. */
function refused(env: NodeJS.ProcessEnv, receiver: string, variable: string, reason: RegExp) {
  assert.throws(
    () => nativeReceiversFromEnv(env),
    (e: unknown) => {
      assert.ok(e instanceof AlertReceiverError, String(e));
      assert.equal(e.receiver, receiver);
      assert.equal(e.variable, variable);
      assert.match(e.message, new RegExp(`^Alertmanager receiver ${receiver}: `));
      assert.match(e.message, reason);
      return true;
    },
  );
}

test('a receiver configured without its secret is refused with a message naming it and the variable', () => {
  withSecrets((f) => {
    const { [E.authPasswordFile]: _p, ...emailNoPassword } = emailEnv(f.password);
    refused(
      emailNoPassword,
      'email',
      E.authPasswordFile,
      /SMTP password is missing: set OPSIGHT_ALERT_SMTP_PASSWORD_FILE/,
    );
    refused(emailEnv(join(f.empty, '..', 'absent')), 'email', E.authPasswordFile, /cannot be read: ENOENT/);
    refused(emailEnv(f.empty), 'email', E.authPasswordFile, /is empty/);
    const { [W.apiSecretFile]: _s, ...wecomNoSecret } = wecomEnv(f.secret);
    refused(
      wecomNoSecret,
      'wecom',
      W.apiSecretFile,
      /application secret is missing: set OPSIGHT_ALERT_WECOM_API_SECRET_FILE/,
    );
    refused(wecomEnv(f.empty), 'wecom', W.apiSecretFile, /is empty/);
  });
});

test('a partly configured receiver names the missing value; malformed values are refused', () => {
  withSecrets((f) => {
    refused({ [E.to]: 'oncall@example.com' }, 'email', E.from, /sender address is missing/);
    refused(
      { ...emailEnv(f.password), [E.smarthost]: 'smtp.example.com' },
      'email',
      E.smarthost,
      /host:port/,
    );
    refused({ ...emailEnv(f.password), [E.requireTls]: 'yes' }, 'email', E.requireTls, /true or false/);
    refused({ [W.apiSecretFile]: f.secret }, 'wecom', W.corpId, /corp id is missing/);
    const { [W.toParty]: _t, ...noRecipients } = wecomEnv(f.secret);
    refused(noRecipients, 'wecom', W.toParty, /no recipients/);
    refused({ ...wecomEnv(f.secret), [W.apiUrl]: 'qyapi.example.com' }, 'wecom', W.apiUrl, /http\(s\) URL/);
  });
});

test('the password file may be checked where Alertmanager runs instead of here', () => {
  const r = nativeReceiversFromEnv(emailEnv('/etc/alertmanager/secrets/smtp/password'), {
    checkPasswordFile: false,
  });
  assert.equal(r.email?.authPasswordFile, '/etc/alertmanager/secrets/smtp/password');
});
