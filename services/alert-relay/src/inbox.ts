import type { WebhookAlert } from './payload.js';

/** Delivery state of one notification to one receiver. */
export type DeliveryState = 'pending' | 'delivered' | 'failed';

/** One notification as the console shows it. */
export interface InboxEntry {
  readonly id: number;
  readonly receivedAt: string;
  readonly route: string;
  readonly status: 'firing' | 'resolved';
  readonly groupKey: string;
  readonly alerts: readonly WebhookAlert[];
  /** Per receiver: pending while retried, then delivered or failed (never dropped without a trace). */
  readonly deliveries: Record<string, { state: DeliveryState; attempts: number; lastError?: string }>;
}

/** The newest notifications, bounded; the oldest leave first. */
export class Inbox {
  private readonly entries: InboxEntry[] = [];
  private nextId = 1;

  /** @param capacity entries kept. @default 1000 */
  constructor(private readonly capacity = 1000) {}

  add(entry: Omit<InboxEntry, 'id'>): InboxEntry {
    const full: InboxEntry = { ...entry, id: this.nextId++ };
    this.entries.push(full);
    if (this.entries.length > this.capacity) this.entries.shift();
    return full;
  }

  /** Newest first. */
  list(limit = 100): InboxEntry[] {
    return this.entries.slice(-limit).reverse();
  }
}
