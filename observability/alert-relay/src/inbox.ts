import type { DeliveryState, QueuedNotification } from './internal/delivery-queue.js';
import type { WebhookAlert, WebhookPayload } from './payload.js';

export type { DeliveryState } from './internal/delivery-queue.js';

/** One receiver's delivery of a notification, as the inbox shows it. */
export interface InboxDelivery {
  state: DeliveryState;
  attempts: number;
  /** When a pending delivery is next attempted (RFC 3339); absent once finished. */
  nextAttemptAt?: string;
  lastError?: string;
}

/** One notification as the console shows it. */
export interface InboxEntry {
  readonly id: number;
  readonly receivedAt: string;
  readonly route: string;
  readonly status: 'firing' | 'resolved';
  readonly groupKey: string;
  readonly alerts: readonly WebhookAlert[];
  /**
   * Per receiver: pending while retried, then delivered, failed (gave up) or dropped (evicted from a full
   * queue); never removed without a trace while the notification is listed.
   */
  readonly deliveries: Record<string, InboxDelivery>;
}

/** The inbox view of a queued notification. */
export function inboxEntry(n: QueuedNotification): InboxEntry {
  const payload = JSON.parse(n.payload) as WebhookPayload;
  return {
    id: n.id,
    receivedAt: new Date(n.receivedAt).toISOString(),
    route: n.route,
    status: payload.status,
    groupKey: n.groupKey,
    alerts: payload.alerts,
    deliveries: Object.fromEntries(
      n.deliveries.map((d) => [
        d.receiver,
        {
          state: d.state,
          attempts: d.attempts,
          ...(d.state === 'pending' ? { nextAttemptAt: new Date(d.nextAt).toISOString() } : {}),
          ...(d.lastError ? { lastError: d.lastError } : {}),
        },
      ]),
    ),
  };
}
