import {
  alertRelayDeliveriesPending,
  alertRelayDeliveriesTotal,
  alertRelayDeliveryAttemptsTotal,
  alertRelayNotificationsRejectedTotal,
  alertRelayNotificationsTotal,
} from '@opsight/catalog';
import Fastify, { type FastifyInstance } from 'fastify';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Receiver } from './config.js';
import { Inbox, type InboxEntry } from './inbox.js';
import { robotAccepted, robotRequest } from './internal/robot-request.js';
import { checkWebhookPayload, type WebhookPayload } from './payload.js';

/** Where the relay writes what happens to deliveries (pino-compatible). */
export interface RelayLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface RelayOptions {
  readonly receivers: readonly Receiver[];
  /** Attempts per delivery before it is marked failed. @default 6 */
  readonly maxAttempts?: number;
  /** First retry delay; each next one doubles, up to `maxDelayMs`. @default 1000 */
  readonly baseDelayMs?: number;
  /** @default 60000 */
  readonly maxDelayMs?: number;
  /** Time limit of one HTTP attempt. @default 10000 */
  readonly attemptTimeoutMs?: number;
  /** Notifications kept in the inbox. @default 1000 */
  readonly inboxCapacity?: number;
  readonly logger?: RelayLogger;
  /** Registry for the delivery metrics. @default a new one, served on /metrics */
  readonly registry?: Registry;
}

const silent: RelayLogger = { info() {}, warn() {}, error() {} };

/**
 * The alert relay: `POST /v1/alertmanager?route=<route>` takes Alertmanager's webhook (version 4; anything
 * else is a 400 with a code, the field and a reason), answers 202 once every receiver has the notification
 * queued, and delivers in the background with exponential back-off. `GET /v1/inbox` lists notifications,
 * newest first, with their delivery states; `/metrics` has the delivery counters.
 */
export function buildRelay(options: RelayOptions): FastifyInstance {
  const log = options.logger ?? silent;
  const maxAttempts = options.maxAttempts ?? 6;
  const baseDelay = options.baseDelayMs ?? 1000;
  const maxDelay = options.maxDelayMs ?? 60_000;
  const timeout = options.attemptTimeoutMs ?? 10_000;
  const registry = options.registry ?? new Registry();
  const inbox = new Inbox(options.inboxCapacity);
  const timers = new Set<NodeJS.Timeout>();

  const received = new Counter({
    name: alertRelayNotificationsTotal.name,
    help: alertRelayNotificationsTotal.help,
    labelNames: [...alertRelayNotificationsTotal.labels],
    registers: [registry],
  });
  const rejected = new Counter({
    name: alertRelayNotificationsRejectedTotal.name,
    help: alertRelayNotificationsRejectedTotal.help,
    labelNames: [...alertRelayNotificationsRejectedTotal.labels],
    registers: [registry],
  });
  const deliveries = new Counter({
    name: alertRelayDeliveriesTotal.name,
    help: alertRelayDeliveriesTotal.help,
    labelNames: [...alertRelayDeliveriesTotal.labels],
    registers: [registry],
  });
  const attempts = new Counter({
    name: alertRelayDeliveryAttemptsTotal.name,
    help: alertRelayDeliveryAttemptsTotal.help,
    labelNames: [...alertRelayDeliveryAttemptsTotal.labels],
    registers: [registry],
  });
  const pending = new Gauge({
    name: alertRelayDeliveriesPending.name,
    help: alertRelayDeliveriesPending.help,
    registers: [registry],
  });
  for (const r of options.receivers) {
    for (const outcome of ['delivered', 'failed']) deliveries.labels(r.name, outcome);
  }

  const finish = (entry: InboxEntry, receiver: Receiver, ok: boolean, error?: string) => {
    const d = entry.deliveries[receiver.name]!;
    d.state = ok ? 'delivered' : 'failed';
    if (error) d.lastError = error;
    deliveries.labels(receiver.name, d.state).inc();
    pending.dec();
    if (!ok) {
      log.error(
        { receiver: receiver.name, notification: entry.id, attempts: d.attempts, error },
        'alert delivery failed after every retry; the notification stays in the inbox',
      );
    }
  };

  const attempt = async (entry: InboxEntry, receiver: Receiver, payload: WebhookPayload) => {
    const d = entry.deliveries[receiver.name]!;
    d.attempts++;
    let error: string;
    try {
      const request = robotRequest(receiver, payload, Date.now());
      const res = await fetch(request.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request.body),
        signal: AbortSignal.timeout(timeout),
      });
      const text = await res.text();
      if (robotAccepted(receiver, res.status, text)) {
        attempts.labels(receiver.name, 'ok').inc();
        finish(entry, receiver, true);
        return;
      }
      error = `HTTP ${res.status}: ${text.slice(0, 200)}`;
    } catch (e) {
      error = (e as Error).message;
    }
    attempts.labels(receiver.name, 'error').inc();
    d.lastError = error;
    if (d.attempts >= maxAttempts) return finish(entry, receiver, false, error);
    const delay = Math.min(maxDelay, baseDelay * 2 ** (d.attempts - 1));
    log.warn(
      { receiver: receiver.name, notification: entry.id, attempt: d.attempts, delayMs: delay, error },
      'alert delivery failed; retrying',
    );
    const timer = setTimeout(() => {
      timers.delete(timer);
      void attempt(entry, receiver, payload);
    }, delay);
    timers.add(timer);
  };

  const app = Fastify({ bodyLimit: 4 * 1024 * 1024 });
  app.addHook('onClose', async () => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
  });

  app.post('/v1/alertmanager', async (req, reply) => {
    const route = (req.query as { route?: string }).route ?? 'default';
    const checked = checkWebhookPayload(req.body);
    if ('problem' in checked) {
      rejected.labels(checked.problem.code).inc();
      return reply.code(400).send({ error: checked.problem });
    }
    const payload = checked.payload;
    const targets = options.receivers.filter((r) => !r.routes || r.routes.includes(route));
    const entry = inbox.add({
      receivedAt: new Date().toISOString(),
      route,
      status: payload.status,
      groupKey: payload.groupKey,
      alerts: payload.alerts,
      deliveries: Object.fromEntries(
        targets.map((r) => [r.name, { state: r.type === 'inbox' ? 'delivered' : 'pending', attempts: 0 }]),
      ),
    });
    received.labels(route).inc();
    log.info(
      { notification: entry.id, route, status: payload.status, alerts: payload.alerts.length },
      'alert notification received',
    );
    for (const r of targets) {
      if (r.type === 'inbox') {
        deliveries.labels(r.name, 'delivered').inc();
        continue;
      }
      pending.inc();
      void attempt(entry, r, payload);
    }
    return reply.code(202).send({ id: entry.id, receivers: targets.map((r) => r.name) });
  });

  app.get('/v1/inbox', async (req, reply) => {
    const text = (req.query as { limit?: string }).limit ?? '100';
    const limit = Number(text);
    if (!/^\d+$/.test(text) || limit < 1 || limit > 1000) {
      return reply
        .code(400)
        .send({ error: { code: 'INVALID_LIMIT', field: 'limit', message: 'expected 1 to 1000' } });
    }
    return { notifications: inbox.list(limit) };
  });

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  app.get('/-/ready', async () => ({ status: 'ready' }));
  app.get('/healthz', async () => ({ status: 'ok' }));
  return app;
}
