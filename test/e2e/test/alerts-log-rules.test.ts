// The log store's ruler on the stack: the shipped log rules are loaded, a rule group POSTed through Loki's
// rules API fires its alert into the real Alertmanager within one evaluation interval plus its `for:`, its
// recording rule's series is queryable in the real Prometheus (remote write), and deleting the group resolves
// the alert. Prints the measured detection times.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALERTMANAGER, alertmanagerAuth, eventually, port, promQuery } from '../src/env.js';
import { reportDetection } from '../src/relay.js';

const LOGSTORE = `http://127.0.0.1:${port(3100)}`;
const APP = `e2e-ruler-${Date.now()}`;
const NAMESPACE = 'e2e-ruler';
const ALERT = 'E2ELogRuleFires';
const RECORD = 'e2e:ruler_lines:count1m';
const INTERVAL_S = 1;
const FOR_S = 2;

const group = `name: e2e-ruler
interval: ${INTERVAL_S}s
rules:
  - record: ${RECORD}
    expr: sum by (app) (count_over_time({app="${APP}"}[1m]))
  - alert: ${ALERT}
    expr: sum by (app) (count_over_time({app="${APP}", level="ERROR"}[1m])) > 2
    for: ${FOR_S}s
    labels:
      severity: info
      source: logs
    annotations:
      summary: "{{ $labels.app }} logged {{ $value }} errors"
`;

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
}

async function amAlerts(): Promise<AmAlert[]> {
  const res = await fetch(
    `${ALERTMANAGER}/api/v2/alerts?filter=${encodeURIComponent(`alertname="${ALERT}"`)}`,
    {
      headers: alertmanagerAuth(),
    },
  );
  assert.equal(res.status, 200);
  return (await res.json()) as AmAlert[];
}

test('the shipped log rules are loaded into the local store and evaluated', async () => {
  const body = await eventually('the shipped groups evaluated', async () => {
    const res = await fetch(`${LOGSTORE}/prometheus/api/v1/rules`);
    const b = (await res.json()) as {
      data: { groups: { name: string; file: string; lastEvaluation: string }[] };
    };
    const g = b.data.groups.find((x) => x.name === 'platform-log-alerts');
    return g && g.lastEvaluation !== '0001-01-01T00:00:00Z' ? b : undefined;
  });
  assert.ok(body.data.groups.some((g) => g.file === 'opsight-logs' && g.name === 'log-volume'));
});

test('a group POSTed through the rules API fires into Alertmanager within interval + for, and records into Prometheus', async () => {
  const now = BigInt(Date.now()) * 1_000_000n;
  const push = await fetch(`${LOGSTORE}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      streams: [
        {
          stream: { namespace: 'e2e', app: APP, level: 'ERROR' },
          values: [0n, 1n, 2n, 3n].map((i) => [String(now + i), `{"level":"ERROR","message":"boom ${i}"}`]),
        },
      ],
    }),
  });
  assert.equal(push.status, 204);

  const posted = Date.now();
  const res = await fetch(`${LOGSTORE}/loki/api/v1/rules/${NAMESPACE}`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: group,
  });
  assert.equal(res.status, 202, await res.clone().text());

  const [alert] = await eventually(
    'the alert in Alertmanager',
    async () => {
      const a = await amAlerts();
      return a.length ? a : undefined;
    },
    30_000,
  );
  const seen = Date.now();
  assert.equal(alert!.labels.app, APP);
  assert.equal(alert!.labels.source, 'logs');
  assert.equal(alert!.annotations.summary, `${APP} logged 4 errors`);
  const detectionS = (seen - posted) / 1000;
  const firedS = (Date.parse(alert!.startsAt) - posted) / 1000;
  reportDetection(
    `${ALERT} (log rule POSTed through the rules API, seen in Alertmanager; fired ${firedS.toFixed(2)} s after the POST)`,
    detectionS,
    INTERVAL_S + FOR_S,
    `interval ${INTERVAL_S} s + for ${FOR_S} s`,
  );
  // The alert fires at the evaluation `for` after the first one, which runs when the group is stored; the
  // margin covers the delivery and this test's polling (every 250 ms).
  assert.ok(firedS <= INTERVAL_S + FOR_S, `fired ${firedS} s after the POST`);
  assert.ok(detectionS <= INTERVAL_S + FOR_S + 2, `seen ${detectionS} s after the POST`);

  const series = await eventually('the recorded series in Prometheus', async () => {
    const r = await promQuery(`${RECORD}{app="${APP}"}`);
    return r.length ? r : undefined;
  });
  assert.equal(series[0]!.value[1], '4');
  console.log(
    `${RECORD}: queryable in Prometheus ${((Date.now() - posted) / 1000).toFixed(2)} s after the POST`,
  );

  const rules = (await (await fetch(`${LOGSTORE}/prometheus/api/v1/rules`)).json()) as {
    data: { groups: { name: string; rules: { name: string; state?: string; health: string }[] }[] };
  };
  const mine = rules.data.groups.find((g) => g.name === 'e2e-ruler');
  assert.equal(mine?.rules.find((r) => r.name === ALERT)?.state, 'firing');
  assert.ok(mine?.rules.every((r) => r.health === 'ok'));
});

test('deleting the namespace resolves its alert in Alertmanager', async () => {
  const res = await fetch(`${LOGSTORE}/loki/api/v1/rules/${NAMESPACE}`, { method: 'DELETE' });
  assert.equal(res.status, 202);
  await eventually('the alert resolved', async () => (await amAlerts()).length === 0, 30_000);
  assert.equal((await fetch(`${LOGSTORE}/loki/api/v1/rules/${NAMESPACE}`)).status, 404);
});
