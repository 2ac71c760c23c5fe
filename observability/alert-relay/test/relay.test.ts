import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { METRICS } from '@opsight/catalog';
import type { Receiver } from '../src/config.js';
import type { InboxEntry } from '../src/inbox.js';
import { buildRelay } from '../src/relay.js';

interface Received {
  url: string;
  body: Record<string, unknown>;
}

/** A robot endpoint on 127.0.0.1 that answers with `answer(n)` for the n-th request (from 1). */
async function robot(answer: (n: number) => { status: number; body: unknown }) {
  const received: Received[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    received.push({ url: req.url ?? '', body: JSON.parse(text) });
    const a = answer(received.length);
    res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  after(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  );
  return { url, received };
}

const payload = (over: Record<string, unknown> = {}) => ({
  version: '4',
  groupKey: '{}:{alertname="ServiceDown"}',
  truncatedAlerts: 0,
  status: 'firing',
  receiver: 'relay-page',
  groupLabels: { alertname: 'ServiceDown' },
  commonLabels: { alertname: 'ServiceDown', severity: 'page' },
  commonAnnotations: {},
  externalURL: 'http://127.0.0.1:9093',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'ServiceDown', severity: 'page', job: 'model-serving' },
      annotations: {
        summary: 'model-serving is down',
        description: 'up = 0',
        runbook_url: 'observability/runbooks/ServiceDown.md',
      },
      startsAt: '2026-11-26T07:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      fingerprint: 'abc',
    },
  ],
  ...over,
});

async function settled(app: ReturnType<typeof buildRelay>, id: number): Promise<InboxEntry> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await app.inject({ method: 'GET', url: '/v1/inbox' });
    const entry = (res.json() as { notifications: InboxEntry[] }).notifications.find((n) => n.id === id);
    assert.ok(entry, `notification ${id} not in the inbox`);
    if (Object.values(entry.deliveries).every((d) => d.state !== 'pending')) return entry;
    assert.ok(Date.now() < deadline, 'deliveries still pending after 10 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('payloads that are not Alertmanager version 4 get 400 with a code, the field and a reason', async () => {
  const app = buildRelay({ receivers: [{ name: 'inbox', type: 'inbox' }], queueDir: ':memory:' });
  const cases: [unknown, string, string][] = [
    [payload({ version: '3' }), 'UNSUPPORTED_VERSION', 'version'],
    [{ text: 'hello' }, 'UNSUPPORTED_VERSION', 'version'],
    [payload({ alerts: [] }), 'INVALID_PAYLOAD', 'alerts'],
    [payload({ status: 'ok' }), 'INVALID_PAYLOAD', 'status'],
    [
      payload({
        alerts: [{ status: 'firing', labels: {}, annotations: {}, startsAt: '2026-11-26T07:00:00Z' }],
      }),
      'INVALID_PAYLOAD',
      'alerts[0].labels',
    ],
    [
      payload({
        alerts: [{ status: 'firing', labels: { alertname: 'X' }, annotations: {}, startsAt: 'yesterday' }],
      }),
      'INVALID_PAYLOAD',
      'alerts[0].startsAt',
    ],
    [[1, 2], 'INVALID_PAYLOAD', ''],
  ];
  for (const [body, code, field] of cases) {
    const res = await app.inject({ method: 'POST', url: '/v1/alertmanager', payload: body as object });
    assert.equal(res.statusCode, 400, JSON.stringify(body));
    const error = (res.json() as { error: { code: string; field: string; message: string } }).error;
    assert.equal(error.code, code);
    assert.equal(error.field, field);
    assert.ok(error.message.length > 0);
  }
  const notJson = await app.inject({
    method: 'POST',
    url: '/v1/alertmanager',
    headers: { 'content-type': 'application/json' },
    payload: '{"version":',
  });
  assert.equal(notJson.statusCode, 400);
  const inbox = await app.inject({ method: 'GET', url: '/v1/inbox' });
  assert.deepEqual(inbox.json(), { notifications: [] });
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  assert.match(metrics.body, /alert_relay_notifications_rejected_total\{code="UNSUPPORTED_VERSION"\} 2/);
  await app.close();
});

test('the admin paths and the /-/ready alias answer; writes to them are refused', async () => {
  const app = buildRelay({ receivers: [{ name: 'inbox', type: 'inbox' }], queueDir: ':memory:' });
  for (const url of ['/healthz', '/readyz', '/-/ready']) {
    const res = await app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 200, url);
    assert.deepEqual(res.json(), { status: 'ok' });
  }
  const write = await app.inject({ method: 'DELETE', url: '/-/ready' });
  assert.equal(write.statusCode, 405);
  assert.equal((write.json() as { code: string }).code, 'METHOD_NOT_ALLOWED');
  await app.close();
});

test('DingTalk and Feishu robots get signed messages; the inbox shows them delivered', async () => {
  const ding = await robot(() => ({ status: 200, body: { errcode: 0, errmsg: 'ok' } }));
  const feishu = await robot(() => ({ status: 200, body: { code: 0, msg: 'success' } }));
  const receivers: Receiver[] = [
    { name: 'ding', type: 'dingtalk', url: `${ding.url}?access_token=t`, secret: 'SECdingsecret' },
    { name: 'feishu', type: 'feishu', url: feishu.url, secret: 'feishusecret' },
    { name: 'inbox', type: 'inbox' },
  ];
  const app = buildRelay({ receivers, baseDelayMs: 10, queueDir: ':memory:' });
  const res = await app.inject({ method: 'POST', url: '/v1/alertmanager?route=page', payload: payload() });
  assert.equal(res.statusCode, 202);
  const entry = await settled(app, (res.json() as { id: number }).id);
  assert.deepEqual(Object.fromEntries(Object.entries(entry.deliveries).map(([k, v]) => [k, v.state])), {
    ding: 'delivered',
    feishu: 'delivered',
    inbox: 'delivered',
  });
  assert.equal(entry.route, 'page');

  const dingUrl = new URL(ding.received[0]!.url, 'http://x');
  const timestamp = dingUrl.searchParams.get('timestamp')!;
  assert.equal(dingUrl.searchParams.get('access_token'), 't');
  const expected = createHmac('sha256', 'SECdingsecret')
    .update(`${timestamp}\nSECdingsecret`)
    .digest('base64');
  assert.equal(dingUrl.searchParams.get('sign'), expected);
  assert.equal(ding.received[0]!.body.msgtype, 'markdown');
  assert.match(JSON.stringify(ding.received[0]!.body), /model-serving is down/);

  const fb = feishu.received[0]!.body as { timestamp: string; sign: string; msg_type: string };
  const fsign = createHmac('sha256', `${fb.timestamp}\nfeishusecret`).update('').digest('base64');
  assert.equal(fb.sign, fsign);
  assert.equal(fb.msg_type, 'text');
  await app.close();
});

test('a failing webhook is retried with back-off until it answers; one that never does is marked failed and logged', async () => {
  const flaky = await robot((n) => (n <= 2 ? { status: 503, body: {} } : { status: 200, body: {} }));
  const dead = await robot(() => ({ status: 500, body: { error: 'down' } }));
  const dingRefuses = await robot(() => ({
    status: 200,
    body: { errcode: 310000, errmsg: 'sign not match' },
  }));
  const errors: object[] = [];
  const app = buildRelay({
    receivers: [
      { name: 'slack', type: 'slack', url: flaky.url },
      { name: 'dead', type: 'slack', url: dead.url },
      { name: 'ding', type: 'dingtalk', url: dingRefuses.url, secret: 's' },
    ],
    maxAttempts: 3,
    baseDelayMs: 10,
    queueDir: ':memory:',
    logger: { info() {}, warn() {}, error: (f) => errors.push(f) },
  });
  const res = await app.inject({
    method: 'POST',
    url: '/v1/alertmanager',
    payload: payload({ status: 'resolved' }),
  });
  const entry = await settled(app, (res.json() as { id: number }).id);
  assert.deepEqual(entry.deliveries.slack, { state: 'delivered', attempts: 3, lastError: 'HTTP 503: {}' });
  assert.equal(entry.deliveries.dead?.state, 'failed');
  assert.equal(entry.deliveries.dead?.attempts, 3);
  assert.equal(entry.deliveries.ding?.state, 'failed');
  assert.match(entry.deliveries.ding?.lastError ?? '', /sign not match/);
  assert.equal(flaky.received.length, 3);
  assert.equal(dead.received.length, 3);
  assert.match(JSON.stringify(flaky.received[2]!.body), /RESOLVED/);
  assert.deepEqual(errors.map((e) => (e as { receiver: string }).receiver).sort(), ['dead', 'ding']);
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.match(metrics, /alert_relay_deliveries_total\{receiver="slack",outcome="delivered"\} 1/);
  assert.match(metrics, /alert_relay_deliveries_total\{receiver="dead",outcome="failed"\} 1/);
  assert.match(metrics, /alert_relay_delivery_attempts_total\{receiver="slack",result="error"\} 2/);
  assert.match(metrics, /alert_relay_deliveries_pending 0/);
  await app.close();
});

test('receivers take only their routes; inbox limit is checked', async () => {
  const app = buildRelay({
    receivers: [
      { name: 'pages', type: 'inbox', routes: ['page'] },
      { name: 'all', type: 'inbox' },
    ],
    queueDir: ':memory:',
  });
  const res = await app.inject({ method: 'POST', url: '/v1/alertmanager?route=ticket', payload: payload() });
  assert.deepEqual((res.json() as { receivers: string[] }).receivers, ['all']);
  const bad = await app.inject({ method: 'GET', url: '/v1/inbox?limit=0' });
  assert.equal(bad.statusCode, 400);
  assert.equal((bad.json() as { error: { field: string } }).error.field, 'limit');
  await app.close();
});

test('every metric on /metrics is defined in the catalog, with its type and labels', async () => {
  const app = buildRelay({ receivers: [{ name: 'inbox', type: 'inbox' }], queueDir: ':memory:' });
  after(() => app.close());
  await app.inject({ method: 'POST', url: '/v1/alertmanager?route=page', payload: payload() });
  await app.inject({ method: 'POST', url: '/v1/alertmanager?route=page', payload: { version: '3' } });
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => ({ name: m[1]!, type: m[2]! }));
  assert.equal(families.length, 7, text);
  for (const { name, type } of families) {
    const def = METRICS.find((m) => m.name === name);
    assert.ok(def, `${name} is not in @opsight/catalog`);
    assert.equal(def.type, type, name);
    for (const line of text.split('\n').filter((l) => l.startsWith(`${name}{`))) {
      const labels = [...line.matchAll(/(\w+)="/g)].map((m) => m[1]);
      assert.deepEqual(labels, [...def.labels], line);
    }
  }
});

/** The bodies a robot received, as text. */
const texts = (r: { received: Received[] }) => r.received.map((x) => JSON.stringify(x.body));

test('duplicate POSTs deliver once; a resolved message and a new firing episode are new messages', async () => {
  const slack = await robot(() => ({ status: 200, body: {} }));
  const app = buildRelay({
    receivers: [
      { name: 'slack', type: 'slack', url: slack.url },
      { name: 'inbox', type: 'inbox' },
    ],
    queueDir: ':memory:',
  });
  after(() => app.close());
  const post = async (body: object) => {
    const res = await app.inject({ method: 'POST', url: '/v1/alertmanager?route=page', payload: body });
    assert.equal(res.statusCode, 202);
    return res.json() as { id: number; receivers: string[]; duplicates: string[] };
  };
  const first = await post(payload());
  await settled(app, first.id);
  // Alertmanager resending after a lost 202, and again while nothing changed.
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(await post(payload()), { id: first.id, receivers: [], duplicates: ['slack', 'inbox'] });
  }
  const resolved = payload({
    status: 'resolved',
    alerts: [{ ...payload().alerts[0], status: 'resolved', endsAt: '2026-11-26T07:10:00Z' }],
  });
  const r = await post(resolved);
  assert.deepEqual(r.receivers, ['slack', 'inbox']);
  await settled(app, r.id);
  assert.deepEqual((await post(resolved)).duplicates, ['slack', 'inbox']);
  const again = await post(
    payload({ alerts: [{ ...payload().alerts[0], startsAt: '2026-11-26T09:00:00Z' }] }),
  );
  await settled(app, again.id);
  assert.equal(slack.received.length, 3, texts(slack).join('\n'));
  const inbox = (await app.inject({ method: 'GET', url: '/v1/inbox' })).json() as {
    notifications: InboxEntry[];
  };
  assert.deepEqual(
    inbox.notifications.map((n) => n.id),
    [again.id, r.id, first.id],
  );
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.match(metrics, /alert_relay_notifications_deduplicated_total\{receiver="slack"\} 4/);
  assert.match(metrics, /alert_relay_deliveries_total\{receiver="slack",outcome="delivered"\} 3/);
});

test('a repeat after the dedup window (a reminder at repeat_interval) is delivered again', async () => {
  const slack = await robot(() => ({ status: 200, body: {} }));
  const app = buildRelay({
    receivers: [{ name: 'slack', type: 'slack', url: slack.url }],
    queueDir: ':memory:',
    dedupWindowMs: 50,
  });
  after(() => app.close());
  const first = await app.inject({ method: 'POST', url: '/v1/alertmanager', payload: payload() });
  await settled(app, (first.json() as { id: number }).id);
  await new Promise((r) => setTimeout(r, 100));
  const repeat = await app.inject({ method: 'POST', url: '/v1/alertmanager', payload: payload() });
  assert.deepEqual((repeat.json() as { receivers: string[] }).receivers, ['slack']);
  await settled(app, (repeat.json() as { id: number }).id);
  assert.equal(slack.received.length, 2);
});

test("one group's messages reach a receiver in order, even when the first needs retries", async () => {
  const slack = await robot((n) => (n <= 2 ? { status: 503, body: {} } : { status: 200, body: {} }));
  const app = buildRelay({
    receivers: [{ name: 'slack', type: 'slack', url: slack.url }],
    queueDir: ':memory:',
    baseDelayMs: 20,
  });
  after(() => app.close());
  const a = await app.inject({ method: 'POST', url: '/v1/alertmanager', payload: payload() });
  const resolved = payload({
    status: 'resolved',
    alerts: [{ ...payload().alerts[0], status: 'resolved', endsAt: '2026-11-26T07:10:00Z' }],
  });
  const b = await app.inject({ method: 'POST', url: '/v1/alertmanager', payload: resolved });
  await settled(app, (b.json() as { id: number }).id);
  await settled(app, (a.json() as { id: number }).id);
  assert.deepEqual(
    texts(slack).map((t) => (/RESOLVED/.test(t) ? 'resolved' : 'firing')),
    ['firing', 'firing', 'firing', 'resolved'],
  );
});

test('a receiver that keeps failing is given up at its deadline, marked failed and counted', async () => {
  const dead = await robot(() => ({ status: 500, body: {} }));
  const errors: object[] = [];
  const app = buildRelay({
    receivers: [{ name: 'dead', type: 'slack', url: dead.url }],
    queueDir: ':memory:',
    baseDelayMs: 20,
    giveUpAfterMs: 300,
    logger: { info() {}, warn() {}, error: (f) => errors.push(f) },
  });
  after(() => app.close());
  const res = await app.inject({ method: 'POST', url: '/v1/alertmanager', payload: payload() });
  const entry = await settled(app, (res.json() as { id: number }).id);
  assert.equal(entry.deliveries.dead?.state, 'failed');
  assert.ok((entry.deliveries.dead?.attempts ?? 0) >= 2, JSON.stringify(entry));
  assert.equal(entry.deliveries.dead?.attempts, dead.received.length);
  assert.equal(errors.length, 1);
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.match(metrics, /alert_relay_deliveries_total\{receiver="dead",outcome="failed"\} 1/);
  assert.match(metrics, /alert_relay_deliveries_pending 0/);
  assert.match(metrics, /alert_relay_oldest_pending_age_seconds 0/);
});

test('a full queue drops the oldest pending deliveries and counts them; depth and oldest age are exported', async () => {
  const dead = await robot(() => ({ status: 500, body: {} }));
  const app = buildRelay({
    receivers: [{ name: 'dead', type: 'slack', url: dead.url }],
    queueDir: ':memory:',
    queueCapacity: 2,
    baseDelayMs: 60_000,
  });
  after(() => app.close());
  const ids: number[] = [];
  for (const job of ['a', 'b', 'c']) {
    const body = payload({ groupKey: job, alerts: [{ ...payload().alerts[0], fingerprint: job }] });
    const res = await app.inject({ method: 'POST', url: '/v1/alertmanager', payload: body });
    ids.push((res.json() as { id: number }).id);
  }
  const inbox = (await app.inject({ method: 'GET', url: '/v1/inbox' })).json() as {
    notifications: InboxEntry[];
  };
  assert.deepEqual(
    inbox.notifications.map((n) => n.id),
    [ids[2], ids[1]],
  );
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.match(metrics, /alert_relay_deliveries_total\{receiver="dead",outcome="dropped"\} 1/);
  assert.match(metrics, /alert_relay_deliveries_pending 2/);
  const age = Number(/^alert_relay_oldest_pending_age_seconds (\S+)$/m.exec(metrics)?.[1]);
  assert.ok(age > 0 && age < 3600, metrics);
});

test('a restart on the same queue resumes pending deliveries: each is delivered once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-relay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let up = false;
  const slack = await robot(() => (up ? { status: 200, body: {} } : { status: 503, body: {} }));
  const receivers: Receiver[] = [{ name: 'slack', type: 'slack', url: slack.url }];
  const first = buildRelay({ receivers, queueDir: dir, baseDelayMs: 20 });
  const accepted: number[] = [];
  for (const job of ['a', 'b', 'c']) {
    const body = payload({ groupKey: job, alerts: [{ ...payload().alerts[0], fingerprint: job }] });
    const res = await first.inject({ method: 'POST', url: '/v1/alertmanager', payload: body });
    assert.equal(res.statusCode, 202);
    accepted.push((res.json() as { id: number }).id);
  }
  while (slack.received.length < 3) await new Promise((r) => setTimeout(r, 10));
  await first.close();
  up = true;
  const before = slack.received.length;
  const second = buildRelay({ receivers, queueDir: dir, baseDelayMs: 20 });
  t.after(() => second.close());
  for (const id of accepted) assert.equal((await settled(second, id)).deliveries.slack?.state, 'delivered');
  const delivered = slack.received.slice(before);
  assert.equal(delivered.length, accepted.length, 'accepted = delivered, none twice');
});

test('a full disk under the queue: 503 with a code and Retry-After, nothing half-written, 202 again once space is free', async (t) => {
  const mnt = mkdtempSync(join(tmpdir(), 'opsight-relay-full-'));
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { encoding: 'utf8' });
  if (mount.status !== 0) {
    rmSync(mnt, { recursive: true, force: true });
    t.skip(`needs root to mount a small tmpfs: ${mount.stderr.trim()}`);
    return;
  }
  const errors: object[] = [];
  const app = buildRelay({
    receivers: [{ name: 'inbox', type: 'inbox' }],
    queueDir: join(mnt, 'queue'),
    logger: { info() {}, warn() {}, error: (f) => errors.push(f) },
  });
  t.after(async () => {
    await app.close();
    spawnSync('umount', ['-l', mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });
  const big = (name: string) =>
    payload({
      groupKey: name,
      alerts: [
        { ...payload().alerts[0], fingerprint: name, annotations: { description: 'x'.repeat(64_000) } },
      ],
    });
  const post = (body: object) => app.inject({ method: 'POST', url: '/v1/alertmanager', payload: body });
  assert.equal((await post(big('before'))).statusCode, 202);
  // Fill the filesystem.
  const filler = join(mnt, 'filler');
  const fd = openSync(filler, 'w');
  try {
    for (;;) writeSync(fd, Buffer.alloc(16 * 1024));
  } catch (e) {
    assert.equal((e as { code?: string }).code, 'ENOSPC');
  } finally {
    closeSync(fd);
  }
  let accepted = 1;
  let refused = 0;
  for (const name of ['full-1', 'full-2', 'full-3']) {
    const res = await post(big(name));
    if (res.statusCode === 202) accepted++;
    else {
      refused++;
      assert.equal(res.statusCode, 503);
      assert.equal(res.headers['retry-after'], '10');
      assert.equal((res.json() as { error: { code: string } }).error.code, 'QUEUE_UNAVAILABLE');
    }
  }
  assert.ok(refused >= 1, 'a full disk is refused with 503');
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  unlinkSync(filler);
  const after = await post(big('after'));
  assert.equal(after.statusCode, 202);
  accepted++;
  const list = (await app.inject({ method: 'GET', url: '/v1/inbox' })).json() as {
    notifications: InboxEntry[];
  };
  console.log(
    `relay full disk: accepted ${accepted}, refused ${refused}, in the queue ${list.notifications.length}`,
  );
  assert.equal(list.notifications.length, accepted, 'every 202 is in the queue; no 503 left a trace');
  assert.ok(list.notifications.every((n) => n.deliveries.inbox?.state === 'delivered'));
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.match(
    metrics,
    new RegExp(`alert_relay_notifications_rejected_total\\{code="QUEUE_UNAVAILABLE"\\} ${refused}`),
  );
  assert.ok(
    errors.some((e) => (e as { code?: string }).code === 'SQLITE_FULL'),
    JSON.stringify(errors),
  );
});
