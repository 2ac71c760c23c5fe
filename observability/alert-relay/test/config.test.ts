import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RelayConfigError, resolveReceivers } from '../src/config.js';

test('secrets and URLs come from the environment; a signing robot without its secret is refused by name', () => {
  const config = {
    receivers: [
      {
        name: 'ops-ding',
        type: 'dingtalk',
        url: 'https://oapi.dingtalk.com/robot/send?access_token=x',
        secretEnv: 'DING_SECRET',
      },
      { name: 'ops-slack', type: 'slack', urlEnv: 'SLACK_URL' },
      { name: 'inbox', type: 'inbox' },
    ],
  };
  const ok = resolveReceivers(config, { DING_SECRET: 's', SLACK_URL: 'https://hooks.example/x' });
  assert.equal(ok[0]?.secret, 's');
  assert.equal(ok[1]?.url, 'https://hooks.example/x');
  assert.throws(
    () => resolveReceivers(config, { SLACK_URL: 'https://hooks.example/x' }),
    (e: unknown) =>
      e instanceof RelayConfigError && e.receiver === 'ops-ding' && /DING_SECRET/.test(e.message),
  );
  assert.throws(() => resolveReceivers(config, { DING_SECRET: 's' }), /receiver ops-slack: .*SLACK_URL/);
  assert.throws(
    () =>
      resolveReceivers({ receivers: [{ name: 'f', type: 'feishu', url: 'https://open.feishu.cn/x' }] }, {}),
    /receiver f: a feishu robot needs secretEnv/,
  );
  assert.throws(
    () => resolveReceivers({ receivers: [{ name: 'w', type: 'wecom' }] }, {}),
    /receiver w: type must be/,
  );
  assert.throws(
    () => resolveReceivers({ receivers: [{ name: 'u', type: 'slack', url: 'file:///etc' }] }, {}),
    /http or https/,
  );
  assert.throws(() => resolveReceivers({}, {}), /receivers/);
});

test('the relay process exits 1 at start with a message naming the receiver that lacks its secret', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-relay-'));
  try {
    const file = join(dir, 'relay.json');
    writeFileSync(
      file,
      JSON.stringify({
        receivers: [
          {
            name: 'oncall-feishu',
            type: 'feishu',
            url: 'https://open.feishu.cn/x',
            secretEnv: 'FEISHU_SECRET',
          },
        ],
      }),
    );
    const bin = fileURLToPath(new URL('../src/bin/alert-relay.js', import.meta.url));
    const env: NodeJS.ProcessEnv = { ...process.env, ALERT_RELAY_CONFIG: file, ALERT_RELAY_PORT: '0' };
    delete env.FEISHU_SECRET;
    const r = spawnSync(process.execPath, [bin], { env, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /alert-relay: receiver oncall-feishu: its signing secret is missing: set FEISHU_SECRET/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--listen host:port is where the relay listens; /healthz answers', async () => {
  const bin = fileURLToPath(new URL('../src/bin/alert-relay.js', import.meta.url));
  const queueDir = mkdtempSync(join(tmpdir(), 'opsight-relay-'));
  const env: NodeJS.ProcessEnv = { ...process.env, ALERT_RELAY_QUEUE_DIR: queueDir };
  delete env.ALERT_RELAY_CONFIG;
  const child = spawn(process.execPath, [bin, '--listen', '127.0.0.1:0'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d;
        const m = /"port":(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    assert.ok(port > 0);
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(res.status, 200);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(queueDir, { recursive: true, force: true });
  }
  const bad = spawnSync(process.execPath, [bin, '--listen', 'nowhere'], {
    env,
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--listen nowhere: expected host:port/);
});
