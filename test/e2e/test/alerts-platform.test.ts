import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ALERTMANAGER, alertmanagerAuth, eventually, opsight, port } from '../src/env.js';
import { type InboxAlert, inboxAlert, lastInboxId, reportDetection } from '../src/relay.js';

// The strategy's platform alerts (docs/architecture.md, 1.3), end to end on the e2e stack: a real fault in a
// real service, the real Prometheus evaluating the fast rules (every `for:` 5 s, scrape and evaluation every
// 1 s), the real Alertmanager (group_wait 1 s) and the alert relay's inbox. Each test prints its detection
// time beside its bound; none asserts a timing.

const FOR = 5;

async function waitFor(
  alertname: string,
  status: 'firing' | 'resolved',
  match: Record<string, string>,
  since: number,
  timeoutMs: number,
): Promise<InboxAlert> {
  return eventually(
    `${alertname} ${status} in the relay inbox`,
    () => inboxAlert(alertname, status, match, since),
    timeoutMs,
  );
}

/** Sends chat completions straight to one model-serving instance until `stop` resolves. */
function traffic(servingPort: number, model: string, stop: Promise<void>): Promise<number> {
  let done = false;
  void stop.then(() => {
    done = true;
  });
  return (async () => {
    let sent = 0;
    while (!done) {
      await fetch(`http://127.0.0.1:${servingPort}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: `e2e ${sent}` }], max_tokens: 4 }),
      }).then(
        (r) => r.arrayBuffer(),
        () => undefined,
      );
      sent++;
      await new Promise((r) => setTimeout(r, 100));
    }
    return sent;
  })();
}

async function setFaults(servingPort: number, faults: Record<string, number> | undefined): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${servingPort}/admin/faults`, {
    method: faults ? 'POST' : 'DELETE',
    headers: faults ? { 'content-type': 'application/json' } : {},
    body: faults ? JSON.stringify(faults) : undefined,
  });
  assert.ok(res.ok, `faults on ${servingPort}: HTTP ${res.status}`);
}

/** Alerts Alertmanager holds as active now. */
async function activeAlerts(alertname: string): Promise<{ labels: Record<string, string> }[]> {
  const filter = encodeURIComponent(`alertname="${alertname}"`);
  const res = await fetch(`${ALERTMANAGER}/api/v2/alerts?active=true&silenced=false&filter=${filter}`, {
    headers: alertmanagerAuth(),
  });
  return (await res.json()) as { labels: Record<string, string> }[];
}

test('an error storm on a model-serving instance: HighErrorRate fires, then resolves once it recovers', async () => {
  const servingPort = port(8090);
  assert.ok(
    !(await activeAlerts('HighErrorRate')).some((a) => a.labels.instance === `127.0.0.1:${servingPort}`),
    'HighErrorRate is already active for the instance before the fault',
  );
  const since = await lastInboxId();
  let stopTraffic!: () => void;
  const stopped = new Promise<void>((r) => {
    stopTraffic = r;
  });
  after(() => {
    stopTraffic();
    return setFaults(servingPort, undefined);
  });
  const sending = traffic(servingPort, 'chat-fast', stopped);
  await setFaults(servingPort, { errorRate: 1 });
  const faultAt = Date.now();
  const alert = await waitFor('HighErrorRate', 'firing', { job: 'model-serving' }, since, 90_000);
  const detected = (Date.now() - faultAt) / 1000;
  // The alert reads a recorded ratio: the recording rule's evaluation comes between the scrape and the
  // alert's own evaluation (the two groups are not aligned).
  reportDetection(
    'HighErrorRate',
    detected,
    FOR + 4,
    `for ${FOR} + scrape 1 + recording rule 1 + evaluation 1 + group_wait 1`,
  );
  assert.equal(alert.labels.instance, `127.0.0.1:${servingPort}`);
  assert.match(alert.annotations.description ?? '', /failed over the last minute, above 5%/);
  assert.equal(alert.annotations.runbook_url, 'observability/runbooks/HighErrorRate.md');

  await setFaults(servingPort, undefined);
  const recoveredAt = Date.now();
  await waitFor(
    'HighErrorRate',
    'resolved',
    { job: 'model-serving', instance: `127.0.0.1:${servingPort}` },
    since,
    150_000,
  );
  console.log(
    `HighErrorRate: resolved ${((Date.now() - recoveredAt) / 1000).toFixed(1)} s after recovery (the ratio is over 1m)`,
  );
  stopTraffic();
  assert.ok((await sending) > 10);
});

test('a slow model-serving instance: HighLatency fires for its p99 over 1 s', async () => {
  // The small model answers in tens of milliseconds, so its instance is not already over the threshold.
  const servingPort = port(8092);
  const before = await activeAlerts('HighLatency');
  assert.ok(
    !before.some((a) => a.labels.instance === `127.0.0.1:${servingPort}`),
    'HighLatency is already active for the instance before the fault',
  );
  const since = await lastInboxId();
  let stopTraffic!: () => void;
  const stopped = new Promise<void>((r) => {
    stopTraffic = r;
  });
  after(() => {
    stopTraffic();
    return setFaults(servingPort, undefined);
  });
  await setFaults(servingPort, { latencyMs: 1500 });
  const slowAt = Date.now();
  const sending = traffic(servingPort, 'chat-small', stopped);
  const alert = await waitFor(
    'HighLatency',
    'firing',
    { job: 'model-serving', instance: `127.0.0.1:${servingPort}` },
    since,
    90_000,
  );
  const detected = (Date.now() - slowAt) / 1000;
  // rate() needs two scrapes that saw slow requests, and the p99 crosses 1 s only once slow requests are
  // over 1% of the window's requests (the router's health checks are fast): the sum is a floor.
  reportDetection(
    'HighLatency',
    detected,
    FOR + 1.5 + 4,
    `for ${FOR} + first slow answer 1.5 + two scrapes 2 + evaluation 1 + group_wait 1, at least`,
  );
  assert.equal(alert.labels.severity, 'page');
  assert.match(alert.annotations.description ?? '', /above 1s/);
  stopTraffic();
  await sending;
  // Resolution takes the 5-minute window to drain; the promtool tests cover it.
});

test('an API key expiring in 3 days: ApiKeyExpiringSoon fires, then resolves when the key is revoked', async () => {
  const since = await lastInboxId();
  const created = opsight([
    'keys',
    'create',
    '--user',
    'e2e-expiry',
    '--expires-in',
    '3d',
    '--name',
    'expiring',
  ]);
  assert.equal(created.status, 0, created.stderr);
  const createdAt = Date.now();
  const key = /^(sk-\S+)$/m.exec(created.stdout)?.[1];
  assert.ok(key);
  const alert = await waitFor('ApiKeyExpiringSoon', 'firing', {}, since, 60_000);
  const detected = (Date.now() - createdAt) / 1000;
  reportDetection(
    'ApiKeyExpiringSoon',
    detected,
    2 + FOR + 3,
    `expiry refresh 2 + for ${FOR} + scrape 1 + evaluation 1 + group_wait 1`,
  );
  assert.equal(alert.labels.severity, 'ticket');
  assert.match(alert.annotations.description ?? '', /expires in 2\.\d+ days|expires in 3 days/);
  assert.ok(alert.labels.key_id);

  const revoked = opsight(['keys', 'revoke', key.slice(0, 11)]);
  assert.equal(revoked.status, 0, revoked.stderr);
  await waitFor('ApiKeyExpiringSoon', 'resolved', { key_id: alert.labels.key_id! }, since, 60_000);
});
