// Sends alerts to Alertmanager's v2 API (`POST <url>/api/v2/alerts`, a JSON list of postable alerts), as
// Prometheus's notifier does: alerts wait in a bounded queue; one sender drains it in batches to every
// Alertmanager; a full queue drops the oldest alerts (counted), so a down or slow Alertmanager never holds up
// rule evaluation, which only enqueues.
import type { PostableAlert } from '../../ruler/group-evaluator.js';
import type { StoreMetrics } from '../store-metrics.js';

/** Options of {@link AlertNotifier}. */
export interface AlertNotifierOptions {
  /** Alertmanager base URLs (`http://127.0.0.1:9093`); alerts go to `<url>/api/v2/alerts`. */
  readonly urls: readonly string[];
  /** The value of an `Authorization` header sent to every Alertmanager (basic auth). @default none */
  readonly authorization?: string;
  /** Most alerts waiting; beyond it the oldest are dropped. Prometheus's default. @default 10000 */
  readonly queueCapacity?: number;
  /** Most alerts per request. Prometheus's default. @default 64 */
  readonly maxBatch?: number;
  /** How long one request may take, ms. @default 10000 */
  readonly timeoutMs?: number;
  readonly metrics: StoreMetrics;
}

interface Queued {
  readonly tenant: string;
  readonly alert: PostableAlert;
}

/** The alerts of every tenant on their way to the Alertmanagers. */
export class AlertNotifier {
  private queue: Queued[] = [];
  private draining: Promise<void> | undefined;
  private closed = false;
  private readonly capacity: number;
  private readonly maxBatch: number;
  private readonly endpoints: string[];

  constructor(private readonly options: AlertNotifierOptions) {
    this.capacity = options.queueCapacity ?? 10_000;
    this.maxBatch = options.maxBatch ?? 64;
    this.endpoints = options.urls.map((u) => `${u.replace(/\/+$/, '')}/api/v2/alerts`);
  }

  /** Queues a tenant's alerts and returns at once; a full queue drops the oldest. */
  send(tenant: string, alerts: readonly PostableAlert[]): void {
    if (alerts.length === 0 || this.endpoints.length === 0 || this.closed) return;
    for (const alert of alerts) this.queue.push({ tenant, alert });
    const over = this.queue.length - this.capacity;
    if (over > 0) {
      for (const q of this.queue.splice(0, over))
        this.options.metrics.notificationsDropped.inc({ user: q.tenant });
    }
    this.updateLength();
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  /** Resolves once the queue is empty (or the notifier is closed). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Stops sending; what is queued is dropped. */
  close(): void {
    this.closed = true;
    this.queue = [];
  }

  private updateLength(): void {
    const byTenant = new Map<string, number>();
    for (const q of this.queue) byTenant.set(q.tenant, (byTenant.get(q.tenant) ?? 0) + 1);
    this.options.metrics.notificationsQueueLength.reset();
    for (const [user, n] of byTenant) this.options.metrics.notificationsQueueLength.set({ user }, n);
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      // One batch is one tenant's: an Alertmanager of a multi-tenant setup tells tenants apart by request.
      const tenant = this.queue[0]!.tenant;
      const batch: PostableAlert[] = [];
      for (let i = 0; i < this.queue.length && batch.length < this.maxBatch; ) {
        if (this.queue[i]!.tenant === tenant) batch.push(this.queue.splice(i, 1)[0]!.alert);
        else i++;
      }
      this.updateLength();
      const results = await Promise.all(this.endpoints.map((url) => this.post(url, tenant, batch)));
      if (!results.some(Boolean))
        this.options.metrics.notificationsDropped.inc({ user: tenant }, batch.length);
    }
  }

  /** Posts a batch to one Alertmanager; true when it took it. Counts sent and errors. */
  private async post(url: string, tenant: string, batch: PostableAlert[]): Promise<boolean> {
    const { metrics } = this.options;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-scope-orgid': tenant,
          ...(this.options.authorization ? { authorization: this.options.authorization } : {}),
        },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`status ${res.status}`);
      metrics.notificationsSent.inc({ user: tenant, alertmanager: url }, batch.length);
      return true;
    } catch {
      metrics.notificationsErrors.inc({ user: tenant, alertmanager: url }, batch.length);
      return false;
    }
  }
}
