/**
 * Alertmanager restart. The suite posts one firing alert to Alertmanager's v2 API, as Prometheus does,
 * and restarts Alertmanager at once, before its group wait has passed (stop and start through the
 * supervisor). Like Prometheus, it posts the still-firing alert again every 5 s (Alertmanager keeps alerts
 * in memory; Prometheus re-sends them). The notification must still reach the relay's inbox receiver,
 * once. Recovery: Alertmanager's start until it is ready.
 */
import { countPresence, type FaultRow, noDuplicates, noLoss, recoveredWithin } from '../row.js';
import { type ChaosStack, runId, sleep } from '../stack.js';

export interface AlertmanagerRestartOptions {
  /** How long to wait for the notification after the restart, ms. @default 60000 */
  notificationWaitMs?: number;
}

export async function alertmanagerRestart(
  stack: ChaosStack,
  o: AlertmanagerRestartOptions = {},
): Promise<FaultRow> {
  const run = runId('am');
  const am = stack.url('alertmanager');
  // Alertmanager wants basic auth on every path (apps/cli/src/stack/alertmanager-auth.ts).
  const authorization = `Basic ${Buffer.from(`opsight:${stack.secret('alertmanager')}`).toString('base64')}`;
  const startsAt = new Date().toISOString();
  const alert = (endsAt: Date) => [
    {
      labels: {
        alertname: 'ChaosAlertmanagerRestart',
        namespace: `chaos-${run}`,
        severity: 'ticket',
        chaos_run: run,
      },
      annotations: { summary: `chaos alert ${run}` },
      startsAt,
      endsAt: endsAt.toISOString(),
      generatorURL: 'http://127.0.0.1:9090/graph',
    },
  ];
  const post = async (endsAt: Date): Promise<number> => {
    try {
      const res = await fetch(`${am}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify(alert(endsAt)),
        signal: AbortSignal.timeout(5000),
      });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  };
  const firing = () => new Date(Date.now() + 5 * 60_000);
  let requestsFailed = 0;
  const first = await post(firing());
  const acknowledged = first === 200 ? 1 : 0;
  if (first !== 200) requestsFailed++;
  await stack.stop('alertmanager');
  const startedAt = Date.now();
  await stack.start('alertmanager');
  await stack.waitReady('alertmanager', 60_000);
  const recovery = (Date.now() - startedAt) / 1000;
  const relay = stack.url('alertRelay');
  const deadline = Date.now() + (o.notificationWaitMs ?? 60_000);
  let found = new Map<number, number>();
  let lastPost = 0;
  while (Date.now() < deadline) {
    if (Date.now() - lastPost >= 5000) {
      if ((await post(firing())) !== 200) requestsFailed++;
      lastPost = Date.now();
    }
    found = await firingNotifications(relay, run);
    if (found.size > 0) break;
    await sleep(500);
  }
  // Wait out a group interval's worth for a second notification of the same alert, then resolve it.
  await sleep(3000);
  found = await firingNotifications(relay, run);
  await post(new Date());
  const { present, lost, duplicated } = countPresence(acknowledged ? [0] : [], found);
  return {
    fault: 'Alertmanager restart',
    sent: 1,
    acknowledged,
    present,
    lost,
    duplicated,
    requestsFailed,
    recoverySeconds: recovery,
    targets: [
      noLoss(lost, 'notifications'),
      noDuplicates(duplicated, 'notifications'),
      recoveredWithin(recovery, 30, 'Alertmanager ready again'),
    ],
    note: 'One alert posted to Alertmanager (v2 API), Alertmanager stopped and started before its group wait, the alert re-posted every 5 s as Prometheus does; firing notifications counted in the relay inbox.',
  };
}

/** Firing notifications in the relay's inbox that carry this run's alert (all under id 0). */
async function firingNotifications(relay: string, run: string): Promise<Map<number, number>> {
  const res = await fetch(`${relay}/v1/inbox?limit=1000`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as {
    notifications: { alerts: { status: string; labels: Record<string, string> }[] }[];
  };
  let count = 0;
  for (const n of body.notifications)
    if (n.alerts.some((a) => a.status === 'firing' && a.labels.chaos_run === run)) count++;
  return count ? new Map([[0, count]]) : new Map();
}
