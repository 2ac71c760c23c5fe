import { createHash } from 'node:crypto';
import type { WebhookAlert, WebhookPayload } from '../payload.js';

/** Alertmanager's fingerprint of an alert, or a hash of its sorted labels when the payload has none. */
function alertIdentity(alert: WebhookAlert): string {
  if (alert.fingerprint) return alert.fingerprint;
  const labels = Object.entries(alert.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(labels)).digest('hex').slice(0, 16);
}

/**
 * What makes two notifications to one receiver the same message: the receiver, the group key, the
 * group's status, and per alert its fingerprint, status and startsAt, plus endsAt once resolved (a firing
 * alert's endsAt moves with every evaluation; a resolved one's is fixed). A new firing episode of the same
 * alert has a new startsAt, so it is a new message. Returns a SHA-256 hex digest.
 */
export function dedupKey(receiver: string, payload: WebhookPayload): string {
  const alerts = payload.alerts
    .map((a) =>
      [alertIdentity(a), a.status, a.startsAt, a.status === 'resolved' ? (a.endsAt ?? '') : ''].join('|'),
    )
    .sort();
  return createHash('sha256')
    .update(JSON.stringify([receiver, payload.groupKey, payload.status, alerts]))
    .digest('hex');
}
