// The relay as a process, killed with SIGKILL: what it answered 202 for is delivered after a restart on
// the same queue, exactly once, on the schedule it had.
import assert from 'node:assert/strict';
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { InboxEntry } from '../../src/inbox.js';

const BIN = fileURLToPath(new URL('../../src/bin/alert-relay.js', import.meta.url));

/** A Slack-compatible webhook that answers 503 while `up()` is false; records each request and answer. */
async function webhook(t: TestContext, up: (n: number) => boolean) {
  const requests: { at: number; text: string; status: number }[] = [];
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const status = up(requests.length + 1) ? 200 : 503;
    requests.push({ at: Date.now(), text: (JSON.parse(body) as { text: string }).text, status });
    res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, requests };
}

interface Relay {
  readonly url: string;
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
}

/** Starts the relay process on `queueDir` with a Slack receiver at `hook` and the inbox. */
async function startRelay(t: TestContext, dir: string, hook: string, baseMs: number): Promise<Relay> {
  const config = join(dir, 'relay.json');
  writeFileSync(
    config,
    JSON.stringify({
      receivers: [
        { name: 'slack', type: 'slack', url: hook },
        { name: 'inbox', type: 'inbox' },
      ],
    }),
  );
  const child = spawn(process.execPath, [BIN, '--listen', '127.0.0.1:0', '--queue-dir', join(dir, 'queue')], {
    env: { ...process.env, ALERT_RELAY_CONFIG: config, ALERT_RELAY_RETRY_BASE_MS: String(baseMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      const m = /"port":(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d;
    });
    child.once('exit', (code) => reject(new Error(`relay exited ${code}: ${out}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

async function kill9(relay: Relay): Promise<void> {
  const exited = new Promise((r) => relay.child.once('exit', r));
  relay.child.kill('SIGKILL');
  await exited;
}

const notification = (alertname: string) => ({
  version: '4',
  groupKey: `{}:{alertname="${alertname}"}`,
  status: 'firing',
  receiver: 'relay-page',
  groupLabels: { alertname },
  commonLabels: { alertname, severity: 'page' },
  commonAnnotations: {},
  alerts: [
    {
      status: 'firing',
      labels: { alertname, severity: 'page' },
      annotations: { summary: `${alertname} fired` },
      startsAt: '2026-11-26T07:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      fingerprint: alertname,
    },
  ],
});

async function post(relay: Relay, body: object) {
  const res = await fetch(`${relay.url}/v1/alertmanager?route=page`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { id: number; duplicates: string[] } };
}

async function inbox(relay: Relay): Promise<InboxEntry[]> {
  const res = await fetch(`${relay.url}/v1/inbox?limit=1000`);
  return ((await res.json()) as { notifications: InboxEntry[] }).notifications;
}

async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('kill -9 after the 202 and before delivery: after a restart on the same queue each notification is delivered exactly once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-relay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let receiverUp = false;
  const hook = await webhook(t, () => receiverUp);
  const names = ['A1', 'A2', 'A3', 'A4', 'A5'];
  const first = await startRelay(t, dir, hook.url, 200);
  for (const name of names) assert.equal((await post(first, notification(name))).status, 202);
  // Every notification attempted and refused at least once: each is waiting to retry.
  await until('a first attempt of each', () =>
    names.every((n) => hook.requests.some((r) => r.text.includes(n))) ? true : undefined,
  );
  await kill9(first);
  receiverUp = true;

  const second = await startRelay(t, dir, hook.url, 200);
  await until('every delivery done', async () => {
    const list = await inbox(second);
    return list.length === names.length && list.every((n) => n.deliveries.slack?.state === 'delivered')
      ? true
      : undefined;
  });
  // Alertmanager resending the same notifications (its retry after a 202 it did not see).
  for (const name of names) {
    const again = await post(second, notification(name));
    assert.equal(again.status, 202);
    assert.deepEqual(again.body.duplicates, ['slack', 'inbox']);
  }
  const delivered = hook.requests.filter((r) => r.status === 200);
  const perName = names.map((n) => delivered.filter((r) => r.text.includes(`${n} fired`)).length);
  console.log(
    `relay kill -9: accepted ${names.length}, delivered ${delivered.length}, per notification ${perName.join(',')}, refused attempts ${hook.requests.length - delivered.length}`,
  );
  assert.deepEqual(
    perName,
    names.map(() => 1),
  );
  assert.equal((await inbox(second)).length, names.length);
});

test('a restart during back-off resumes the stored schedule: same next attempt time, attempts keep counting', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-relay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const base = 1000;
  const hook = await webhook(t, (n) => n >= 3);
  const first = await startRelay(t, dir, hook.url, base);
  assert.equal((await post(first, notification('B1'))).status, 202);
  const before = await until('the first attempt recorded', async () => {
    const d = (await inbox(first))[0]?.deliveries.slack;
    return d?.attempts === 1 ? d : undefined;
  });
  await kill9(first);
  const second = await startRelay(t, dir, hook.url, base);
  const resumed = (await inbox(second))[0]?.deliveries.slack;
  assert.deepEqual(resumed, before, 'the schedule is the one in the queue');
  const next = Date.parse(before.nextAttemptAt ?? '');
  const afterSecond = await until('the second attempt recorded', async () => {
    const d = (await inbox(second))[0]?.deliveries.slack;
    return d?.attempts === 2 ? d : undefined;
  });
  const secondAt = hook.requests[1]!.at;
  assert.ok(secondAt >= next - 5, `retried at ${secondAt}, scheduled for ${next}`);
  assert.ok(
    Date.parse(afterSecond.nextAttemptAt ?? '') - secondAt >= 2 * base - 5,
    'the delay doubled from the stored attempt count',
  );
  const done = await until('delivered', async () => {
    const d = (await inbox(second))[0]?.deliveries.slack;
    return d?.state === 'delivered' ? d : undefined;
  });
  assert.equal(done.attempts, 3);
  assert.deepEqual(
    hook.requests.map((r) => r.status),
    [503, 503, 200],
  );
});
