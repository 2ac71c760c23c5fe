import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { ComponentStatus } from '@opsight/supervisor';
import { ALERTMANAGER, alertmanagerAuth, eventually, opsight, port, promQuery } from '../src/env.js';
import { inboxAlert, lastInboxId } from '../src/relay.js';

// Alertmanager's inhibitions on the real engine, with the configuration `opsight up` rendered: a firing
// source alert mutes the target alerts whose `equal` labels match it. The sources are real or posted to
// Alertmanager's API; the targets are posted (a real latency alert takes minutes of slow traffic), each with a
// control that differs only in the `equal` labels and so must reach the relay. The target is posted into the
// same notification group as its control, so the notification that carries the control shows that the
// relay got the group without the muted alert.

/** An alert as Alertmanager's API v2 lists it. */
interface AmAlert {
  fingerprint: string;
  labels: Record<string, string>;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; inhibitedBy: string[]; silencedBy: string[] };
}

/** Posts alerts to Alertmanager, as Prometheus does; `endsAt` in the past resolves them. */
async function postAlerts(alerts: Record<string, string>[], endsInMs: number): Promise<void> {
  const now = Date.now();
  const res = await fetch(`${ALERTMANAGER}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...alertmanagerAuth() },
    body: JSON.stringify(
      alerts.map((labels) => ({
        labels,
        annotations: { summary: `e2e inhibition test: ${labels.alertname}` },
        startsAt: new Date(now - 1000).toISOString(),
        endsAt: new Date(now + endsInMs).toISOString(),
      })),
    ),
  });
  assert.equal(res.status, 200, await res.text());
}

/** Alerts Alertmanager holds, inhibited ones included, matching every `label="value"` filter. */
async function amAlerts(filter: Record<string, string>): Promise<AmAlert[]> {
  const q = Object.entries(filter)
    .map(([k, v]) => `filter=${encodeURIComponent(`${k}="${v}"`)}`)
    .join('&');
  const res = await fetch(`${ALERTMANAGER}/api/v2/alerts?active=true&inhibited=true&silenced=true&${q}`, {
    headers: alertmanagerAuth(),
  });
  assert.equal(res.status, 200);
  return (await res.json()) as AmAlert[];
}

const one = async (filter: Record<string, string>) => {
  const found = await amAlerts(filter);
  return found.length === 1 ? found[0] : undefined;
};

/** No notification since `since` carries an alert with these labels (firing or resolved). */
async function neverNotified(labels: Record<string, string>, since: number): Promise<void> {
  for (const status of ['firing', 'resolved'] as const) {
    const got = await inboxAlert(labels.alertname!, status, labels, since);
    assert.equal(got, undefined, `the relay was notified of ${JSON.stringify(labels)} (${status})`);
  }
}

function component(name: string): ComponentStatus {
  const { components } = JSON.parse(opsight(['status', '--json']).stdout) as {
    components: ComponentStatus[];
  };
  const c = components.find((x) => x.name === name);
  assert.ok(c, name);
  return c;
}

test('a model-serving instance that is down: its ServiceDown mutes its latency and error alerts', async () => {
  // The large model's instance: the platform alert tests use the other two.
  const instance = `127.0.0.1:${port(8091)}`;
  await eventually(
    'model-serving-1 scraped',
    async () => (await promQuery(`up{job="model-serving",instance="${instance}"} == 1`)).length === 1,
  );
  const target = component('model-serving-1');
  assert.ok(target.pid);
  const since = await lastInboxId();
  // A stopped process keeps its port and answers nothing; the router moves its model to the fallback.
  process.kill(target.pid, 'SIGSTOP');
  let stopped = true;
  const resume = () => {
    if (stopped) process.kill(target.pid!, 'SIGCONT');
    stopped = false;
  };
  after(resume);
  const down = await eventually(
    'ServiceDown for model-serving-1 in Alertmanager',
    () => one({ alertname: 'ServiceDown', instance }),
    60_000,
  );
  assert.equal(down.status.state, 'active');
  const { namespace, job } = down.labels;
  assert.ok(namespace && job);

  const muted = ['HighLatency', 'HighErrorRate'].map((alertname) => ({
    alertname,
    severity: 'page',
    namespace,
    job,
    instance,
    e2e: 'inhibition',
  }));
  // Same alertname, namespace and job (so the same notification group) on an instance that is up.
  const control = { ...muted[0]!, instance: '127.0.0.1:1' };
  const posted = [...muted, control];
  after(() => postAlerts(posted, -1000));
  await postAlerts(posted, 5 * 60_000);

  for (const labels of muted) {
    const alert = await eventually(`${labels.alertname} suppressed`, async () => {
      const a = await one(labels);
      return a?.status.state === 'suppressed' ? a : undefined;
    });
    assert.deepEqual(
      alert.status.inhibitedBy,
      [down.fingerprint],
      `${labels.alertname} muted by ServiceDown`,
    );
    assert.deepEqual(alert.status.silencedBy, []);
  }
  const controlAlert = await one(control);
  assert.equal(controlAlert?.status.state, 'active', 'an alert of another instance is not muted');

  // The relay gets the source and the control, and never the muted alerts.
  await eventually('ServiceDown in the relay inbox', () =>
    inboxAlert('ServiceDown', 'firing', { instance }, since),
  );
  await eventually('the control HighLatency in the relay inbox', () =>
    inboxAlert('HighLatency', 'firing', control, since),
  );
  for (const labels of muted) await neverNotified(labels, since);

  resume();
  await eventually(
    'model-serving-1 scraped again',
    async () => (await promQuery(`up{job="model-serving",instance="${instance}"} == 1`)).length === 1,
  );
});

test('an SLO’s page mutes the ticket of the same SLO, not the ticket of another', async () => {
  const since = await lastInboxId();
  const burn = (severity: string, slo: string) => ({
    alertname: 'SLOErrorBudgetBurn',
    severity,
    slo,
    namespace: 'platform',
    job: 'e2e-inhibition',
    e2e: 'inhibition',
  });
  const page = burn('page', 'e2e-availability');
  const ticket = burn('ticket', 'e2e-availability');
  const otherTicket = burn('ticket', 'e2e-latency');
  const posted = [page, ticket, otherTicket];
  after(() => postAlerts(posted, -1000));
  // The page first: posted together, the tickets' notification could be sent before Alertmanager's
  // inhibitor has taken in the page.
  await postAlerts([page], 5 * 60_000);
  const pageAlert = await eventually('the page in Alertmanager', () => one(page));
  assert.equal(pageAlert.status.state, 'active');
  await postAlerts([ticket, otherTicket], 5 * 60_000);
  const muted = await eventually('the ticket of the same SLO suppressed', async () => {
    const a = await one(ticket);
    return a?.status.state === 'suppressed' ? a : undefined;
  });
  assert.deepEqual(muted.status.inhibitedBy, [pageAlert.fingerprint]);
  assert.equal((await one(otherTicket))?.status.state, 'active', 'another SLO’s ticket is not muted');

  await eventually('the page in the relay inbox', () =>
    inboxAlert('SLOErrorBudgetBurn', 'firing', page, since),
  );
  await eventually('the other SLO’s ticket in the relay inbox', () =>
    inboxAlert('SLOErrorBudgetBurn', 'firing', otherTicket, since),
  );
  await neverNotified(ticket, since);

  // Once the page resolves, the ticket is no longer muted and reaches the relay.
  await postAlerts([page], -1000);
  await eventually('the ticket delivered once the page resolved', () =>
    inboxAlert('SLOErrorBudgetBurn', 'firing', ticket, since),
  );
});
