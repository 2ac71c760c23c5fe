import { port } from './env.js';

/** The alert relay of the e2e stack: its inbox is where the whole-stack alert tests see notifications. */
export const RELAY = `http://127.0.0.1:${port(9096)}`;

/** One alert of a notification in the relay's inbox. */
export interface InboxAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Id of the newest notification in the inbox (0 when empty): later notifications have larger ids. */
export async function lastInboxId(): Promise<number> {
  const res = await fetch(`${RELAY}/v1/inbox?limit=1`);
  const { notifications } = (await res.json()) as { notifications: { id: number }[] };
  return notifications[0]?.id ?? 0;
}

/** The first alert named `alertname` in `status` whose labels include `match`, received after `afterId`. */
export async function inboxAlert(
  alertname: string,
  status: 'firing' | 'resolved',
  match: Record<string, string>,
  afterId: number,
): Promise<InboxAlert | undefined> {
  const res = await fetch(`${RELAY}/v1/inbox?limit=1000`);
  const { notifications } = (await res.json()) as { notifications: { id: number; alerts: InboxAlert[] }[] };
  for (const n of notifications.filter((x) => x.id > afterId)) {
    const a = n.alerts.find(
      (x) =>
        x.status === status &&
        x.labels.alertname === alertname &&
        Object.entries(match).every(([k, v]) => x.labels[k] === v),
    );
    if (a) return a;
  }
  return undefined;
}

/** Prints a detection time beside its bound (the tests print bounds; they assert no timing). */
export function reportDetection(alert: string, seconds: number, bound: number, parts: string): void {
  console.log(`${alert}: detected in ${seconds.toFixed(1)} s (bound ${bound} s = ${parts})`);
}
