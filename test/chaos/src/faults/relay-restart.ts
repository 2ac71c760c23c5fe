/**
 * Relay restart during delivery. The suite serves a webhook receiver that fails (HTTP 500) until the relay
 * is killed and answers 200 afterwards, and posts `notifications` Alertmanager webhooks (route `chaos`) to
 * the stack's relay. Once each has been attempted, the relay is killed (SIGKILL; the supervisor restarts
 * it). Deliveries are counted at the receiver: each acknowledged (202) notification must arrive exactly once.
 *
 * The receiver is the relay's `chaos-receiver` (test/chaos/relay-receivers.json): start the stack with
 * `ALERT_RELAY_CONFIG=test/chaos/relay-receivers.json` and `OPSIGHT_CHAOS_RECEIVER_URL` (default
 * `http://127.0.0.1:<alert relay port + 1>/chaos-receiver`). Without it the row counts deliveries to the
 * relay's inbox receiver, which never fails at first, and says so.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { countPresence, type FaultRow, noDuplicates, noLoss, recoveredWithin } from '../row.js';
import { type ChaosStack, runId, sleep } from '../stack.js';

export interface RelayRestartOptions {
  /** Notifications to post. @default 20 */
  notifications?: number;
  /** How long to wait for the deliveries after the restart, ms. @default 45000 */
  deliveryWaitMs?: number;
}

/** The URL the stack's relay delivers the `chaos` route to (its `chaos-receiver`). */
export function chaosReceiverUrl(stack: ChaosStack): URL {
  return new URL(
    stack.env.OPSIGHT_CHAOS_RECEIVER_URL ?? `http://127.0.0.1:${stack.ports.alertRelay + 1}/chaos-receiver`,
  );
}

/** Alertmanager's webhook payload (version 4) for one notification of this run. */
export function webhookPayload(run: string, n: number) {
  const labels = {
    alertname: 'ChaosRelayRestart',
    severity: 'ticket',
    namespace: 'chaos',
    chaos_run: run,
    n: String(n),
  };
  return {
    version: '4',
    groupKey: `{}/{severity="ticket"}:{alertname="ChaosRelayRestart", chaos_run="${run}", n="${n}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'relay-chaos',
    groupLabels: { alertname: 'ChaosRelayRestart', chaos_run: run, n: String(n) },
    commonLabels: labels,
    commonAnnotations: { summary: `chaos notification ${run}-${n}` },
    externalURL: 'http://127.0.0.1:9093',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: { summary: `chaos notification ${run}-${n}` },
        startsAt: new Date().toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://127.0.0.1:9090/graph',
        fingerprint: createHash('sha256').update(`${run}-${n}`).digest('hex').slice(0, 16),
      },
    ],
  };
}

export async function relayRestart(stack: ChaosStack, o: RelayRestartOptions = {}): Promise<FaultRow> {
  const total = o.notifications ?? 20;
  const run = runId('relay');
  const pattern = new RegExp(`chaos notification ${run}-(\\d+)`);
  const attempts = new Map<number, number>();
  const delivered = new Map<number, number>();
  let failing = true;
  const receiverUrl = chaosReceiverUrl(stack);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const m = pattern.exec(Buffer.concat(chunks).toString('utf8'));
      if (!m) return res.writeHead(200).end('{}');
      const n = Number(m[1]);
      attempts.set(n, (attempts.get(n) ?? 0) + 1);
      if (failing) return res.writeHead(500).end('{"error":"failing at first"}');
      delivered.set(n, (delivered.get(n) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(receiverUrl.port), receiverUrl.hostname, () => resolve());
  });
  try {
    const relay = stack.url('alertRelay');
    const acked: number[] = [];
    let requestsFailed = 0;
    for (let n = 0; n < total; n++) {
      try {
        const res = await fetch(`${relay}/v1/alertmanager?route=chaos`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(webhookPayload(run, n)),
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        if (res.status >= 200 && res.status < 300) acked.push(n);
        else requestsFailed++;
      } catch {
        requestsFailed++;
      }
    }
    // Kill once every acknowledged notification has been attempted (and failed); a relay without the
    // chaos receiver never attempts, and is killed after 3 s.
    const attemptDeadline = Date.now() + 3000;
    while (attempts.size < acked.length && Date.now() < attemptDeadline) await sleep(20);
    const viaReceiver = attempts.size > 0;
    const pid = await stack.signal('alert-relay', 'SIGKILL');
    const killedAt = Date.now();
    failing = false;
    await stack.waitReady('alert-relay', 60_000, pid);
    const recovery = (Date.now() - killedAt) / 1000;
    const counted = viaReceiver ? () => delivered : () => inboxDeliveries(relay, run, pattern);
    const deadline = Date.now() + (o.deliveryWaitMs ?? 45_000);
    while (Date.now() < deadline) {
      if ((await counted()).size >= acked.length) break;
      await sleep(500);
    }
    await sleep(3000); // late duplicates
    const { present, lost, duplicated } = countPresence(acked, await counted());
    return {
      fault: 'relay restart during delivery',
      sent: total,
      acknowledged: acked.length,
      present,
      lost,
      duplicated,
      requestsFailed,
      recoverySeconds: recovery,
      targets: [
        noLoss(lost, 'notifications'),
        noDuplicates(duplicated, 'notifications'),
        recoveredWithin(recovery, 30, 'relay ready again'),
      ],
      note: viaReceiver
        ? `Alertmanager webhooks to the relay (route chaos); its chaos-receiver failed every attempt until the relay was SIGKILLed (${[...attempts.values()].reduce((a, b) => a + b, 0)} attempts before), then accepted; deliveries counted at that receiver.`
        : 'Alertmanager webhooks to the relay; the stack runs no chaos-receiver (start it with ALERT_RELAY_CONFIG=test/chaos/relay-receivers.json), so deliveries were counted in the relay inbox, which never fails at first.',
    };
  } finally {
    await new Promise((r) => server.close(r));
    server.closeAllConnections();
  }
}

/** Notifications of `run` in the relay's inbox, by number, counted when delivered to the inbox receiver. */
async function inboxDeliveries(relay: string, run: string, pattern: RegExp): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const res = await fetch(`${relay}/v1/inbox?limit=1000`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) return out;
  const body = (await res.json()) as {
    notifications: {
      alerts: { annotations: Record<string, string> }[];
      deliveries?: Record<string, { state: string }>;
    }[];
  };
  for (const n of body.notifications) {
    if (n.deliveries?.inbox && n.deliveries.inbox.state !== 'delivered') continue;
    for (const a of n.alerts) {
      const m = pattern.exec(a.annotations.summary ?? '');
      if (m && a.annotations.summary?.includes(run)) out.set(Number(m[1]), (out.get(Number(m[1])) ?? 0) + 1);
    }
  }
  return out;
}
