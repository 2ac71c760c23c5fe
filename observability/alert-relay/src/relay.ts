import {
  alertRelayDeliveriesPending,
  alertRelayDeliveriesTotal,
  alertRelayDeliveryAttemptsTotal,
  alertRelayNotificationsDeduplicatedTotal,
  alertRelayNotificationsRejectedTotal,
  alertRelayNotificationsTotal,
  alertRelayOldestPendingAgeSeconds,
} from '@opsight/catalog';
import { installFastifyGuard } from '@opsight/http-guard';
import { fastifyAdmin } from '@opsight/telemetry/admin';
import Fastify, { type FastifyInstance } from 'fastify';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Receiver } from './config.js';
import { relayError } from './errors.js';
import { inboxEntry } from './inbox.js';
import { dedupKey } from './internal/dedup-key.js';
import { type AttemptOutcome, DeliveryQueue, type DueDelivery } from './internal/delivery-queue.js';
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
  /**
   * Directory of the on-disk queue (created 0700, files 0600); `:memory:` keeps it in memory, which only
   * tests should do: then nothing survives a restart.
   */
  readonly queueDir: string;
  /** Notifications kept in the queue, delivered or not; beyond it the oldest leave. @default 10000 */
  readonly queueCapacity?: number;
  /** Payload bytes kept in the queue; beyond it the oldest notifications leave. @default 268435456 */
  readonly queueMaxBytes?: number;
  /** Attempts per delivery before it is marked failed. @default Infinity (the give-up time bounds it) */
  readonly maxAttempts?: number;
  /** First retry delay; each next one doubles, up to `maxDelayMs`. @default 1000 */
  readonly baseDelayMs?: number;
  /** @default 60000 */
  readonly maxDelayMs?: number;
  /**
   * A delivery not done this long after the relay accepted it is marked failed (the last attempt is made
   * at that time). @default 3600000 (1 hour)
   */
  readonly giveUpAfterMs?: number;
  /**
   * An identical notification (same receiver, group key, status, alert fingerprints and startsAt; endsAt
   * once resolved) is not sent again while one is pending or was delivered within this window.
   * Alertmanager resends within minutes after a lost answer; its reminders come every repeat_interval
   * (4 h for pages, 24 h for tickets), and being shorter than that, the window lets them through.
   * @default 3600000 (1 hour)
   */
  readonly dedupWindowMs?: number;
  /** Time limit of one HTTP attempt. @default 10000 */
  readonly attemptTimeoutMs?: number;
  readonly logger?: RelayLogger;
  /** Registry for the delivery metrics. @default a new one, served on /metrics */
  readonly registry?: Registry;
}

const silent: RelayLogger = { info() {}, warn() {}, error() {} };

/** Longest sleep of the delivery loop: overdue deliveries behind a head of line are given up this late. */
const MAX_SLEEP_MS = 60_000;

/**
 * The alert relay: `POST /v1/alertmanager?route=<route>` takes Alertmanager's webhook (version 4; anything
 * else is a 400 with a code, the field and a reason), writes it to the on-disk queue (fsync'd) and only then
 * answers 202; a write that fails is a 503, so Alertmanager retries. Deliveries run from the queue with
 * exponential back-off that survives restarts, each receiver and alert group in order, duplicates
 * skipped. `GET /v1/inbox` lists notifications from the queue, newest first, with their delivery states;
 * `/metrics` has the delivery counters, the queue depth and the age of its oldest pending notification.
 */
export function buildRelay(options: RelayOptions): FastifyInstance {
  const log = options.logger ?? silent;
  const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
  const baseDelay = options.baseDelayMs ?? 1000;
  const maxDelay = options.maxDelayMs ?? 60_000;
  const giveUpAfter = options.giveUpAfterMs ?? 3_600_000;
  const dedupWindow = options.dedupWindowMs ?? 3_600_000;
  const timeout = options.attemptTimeoutMs ?? 10_000;
  const registry = options.registry ?? new Registry();
  const byName = new Map(options.receivers.map((r) => [r.name, r]));
  const queue = new DeliveryQueue({
    dir: options.queueDir,
    capacity: options.queueCapacity,
    maxBytes: options.queueMaxBytes,
  });

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
  const deduplicated = new Counter({
    name: alertRelayNotificationsDeduplicatedTotal.name,
    help: alertRelayNotificationsDeduplicatedTotal.help,
    labelNames: [...alertRelayNotificationsDeduplicatedTotal.labels],
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
  new Gauge({
    name: alertRelayDeliveriesPending.name,
    help: alertRelayDeliveriesPending.help,
    registers: [registry],
    collect() {
      if (!closed) this.set(queue.pending().count);
    },
  });
  new Gauge({
    name: alertRelayOldestPendingAgeSeconds.name,
    help: alertRelayOldestPendingAgeSeconds.help,
    registers: [registry],
    collect() {
      if (closed) return;
      const oldest = queue.pending().oldestReceivedAt;
      this.set(oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000));
    },
  });
  for (const r of options.receivers) {
    for (const outcome of ['delivered', 'failed', 'dropped']) deliveries.labels(r.name, outcome);
  }

  /** Deliveries being attempted, or done but not yet written back: `<notification id>/<receiver>`. */
  const busy = new Set<string>();
  /** Outcomes the queue refused to store (a full disk): written again on every pass. */
  const unsaved = new Map<string, { d: DueDelivery; outcome: AttemptOutcome; at: number }>();
  const running = new Set<Promise<void>>();
  const stopping = new AbortController();
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const finished = (d: DueDelivery, outcome: AttemptOutcome) => {
    if (outcome.state === 'pending') return;
    deliveries.labels(d.receiver, outcome.state).inc();
    if (outcome.state === 'failed') {
      log.error(
        {
          receiver: d.receiver,
          notification: d.notificationId,
          attempts: d.attempts + 1,
          error: outcome.error,
        },
        'alert delivery failed until its give-up time; the notification stays in the inbox as failed',
      );
    }
  };

  const save = (key: string, d: DueDelivery, outcome: AttemptOutcome, at: number): boolean => {
    try {
      queue.record(d.notificationId, d.receiver, outcome, at);
    } catch (e) {
      if (!unsaved.has(key)) {
        log.error(
          { receiver: d.receiver, notification: d.notificationId, code: (e as { code?: string }).code },
          'could not write a delivery outcome to the queue; retrying the write',
        );
      }
      unsaved.set(key, { d, outcome, at });
      return false;
    }
    unsaved.delete(key);
    busy.delete(key);
    finished(d, outcome);
    return true;
  };

  const attempt = async (d: DueDelivery): Promise<void> => {
    const key = `${d.notificationId}/${d.receiver}`;
    const receiver = byName.get(d.receiver);
    let error: string;
    if (!receiver) {
      error = 'receiver no longer configured';
      save(key, d, { state: 'failed', error }, Date.now());
      return;
    }
    try {
      const payload = JSON.parse(d.payload) as WebhookPayload;
      const request = robotRequest(receiver, payload, Date.now());
      const res = await fetch(request.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request.body),
        signal: AbortSignal.any([AbortSignal.timeout(timeout), stopping.signal]),
      });
      const text = await res.text();
      if (robotAccepted(receiver, res.status, text)) {
        attempts.labels(receiver.name, 'ok').inc();
        save(key, d, { state: 'delivered' }, Date.now());
        return;
      }
      error = `HTTP ${res.status}: ${text.slice(0, 200)}`;
    } catch (e) {
      error = (e as Error).message;
    }
    // Stopping: the attempt's outcome is unknown; the queue still has it pending for the next start.
    if (closed) return;
    attempts.labels(receiver.name, 'error').inc();
    const now = Date.now();
    const made = d.attempts + 1;
    if (made >= maxAttempts || now >= d.deadlineAt) {
      save(key, d, { state: 'failed', error }, now);
      return;
    }
    const nextAt = Math.min(d.deadlineAt, now + Math.min(maxDelay, baseDelay * 2 ** (made - 1)));
    log.warn(
      { receiver: d.receiver, notification: d.notificationId, attempt: made, delayMs: nextAt - now, error },
      'alert delivery failed; retrying',
    );
    save(key, d, { state: 'pending', nextAt, error }, now);
  };

  /** One pass of the delivery loop: write back, give up the overdue, start what is due, sleep. */
  const pump = () => {
    if (closed) return;
    clearTimeout(timer);
    let sleep = MAX_SLEEP_MS;
    try {
      for (const [key, u] of unsaved) save(key, u.d, u.outcome, u.at);
      const now = Date.now();
      for (const d of queue.giveUpOverdue(now, busy)) {
        deliveries.labels(d.receiver, 'failed').inc();
        log.error(
          { receiver: d.receiver, notification: d.notificationId },
          'alert delivery gave up: not delivered before its deadline; it stays in the inbox as failed',
        );
      }
      for (const d of queue.due(now)) {
        const key = `${d.notificationId}/${d.receiver}`;
        if (busy.has(key)) continue;
        busy.add(key);
        const p = attempt(d)
          .catch((e) => log.error({ error: (e as Error).message }, 'alert delivery crashed'))
          .finally(() => {
            running.delete(p);
            if (!closed) setImmediate(pump);
          });
        running.add(p);
      }
      for (const h of queue.heads()) {
        if (!busy.has(`${h.notificationId}/${h.receiver}`)) sleep = Math.min(sleep, h.nextAt - now);
      }
    } catch (e) {
      log.error({ error: (e as Error).message }, 'the delivery queue failed; retrying in 1 s');
      sleep = 1000;
    }
    if (unsaved.size > 0) sleep = Math.min(sleep, 1000);
    timer = setTimeout(pump, Math.max(0, sleep));
  };

  const app = Fastify({ bodyLimit: 4 * 1024 * 1024 });
  // Browser safety: Host (DNS rebinding), Origin and JSON-only writes, before any body is read.
  installFastifyGuard(app);
  // Fastify's own error answer carries the error's message: an unexpected failure answers INTERNAL_ERROR
  // only, its message and stack going to the log. Fastify's 4xx answers (a body that is not JSON, too large,
  // a wrong media type) stay as Fastify gives them: they say what the caller got wrong.
  app.setErrorHandler((error: Error & { statusCode?: number }, req, reply) => {
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) throw error;
    log.error(
      {
        code: 'INTERNAL_ERROR',
        method: req.method,
        path: req.url.split('?')[0],
        error: error.message,
        stack: error.stack,
      },
      'request failed',
    );
    const { status, body } = relayError('INTERNAL_ERROR', '', 'internal error');
    return reply.code(status).send(body);
  });
  app.addHook('onReady', async () => {
    const { count } = queue.pending();
    if (count > 0) log.info({ pending: count }, 'resuming the deliveries left in the queue');
    pump();
  });
  app.addHook('onClose', async () => {
    closed = true;
    clearTimeout(timer);
    stopping.abort();
    await Promise.allSettled([...running]);
    queue.close();
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
    const now = Date.now();
    let result: ReturnType<DeliveryQueue['accept']>;
    try {
      result = queue.accept({
        receivedAt: now,
        route,
        status: payload.status,
        groupKey: payload.groupKey,
        payload: JSON.stringify(payload),
        targets: targets.map((r) => ({
          receiver: r.name,
          dedupKey: dedupKey(r.name, payload),
          immediate: r.type === 'inbox',
        })),
        dedupSince: now - dedupWindow,
        deadlineAt: now + giveUpAfter,
      });
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'unknown';
      rejected.labels('QUEUE_UNAVAILABLE').inc();
      log.error({ code, error: (e as Error).message }, 'could not queue an alert notification; answered 503');
      const { status, body } = relayError(
        'QUEUE_UNAVAILABLE',
        '',
        `the notification could not be written to the relay's queue (${code}); retry later`,
      );
      return reply.code(status).header('retry-after', '10').send(body);
    }
    received.labels(route).inc();
    for (const r of result.duplicates) deduplicated.labels(r).inc();
    for (const r of result.dropped) deliveries.labels(r, 'dropped').inc();
    if (result.dropped.length > 0) {
      log.warn(
        { dropped: result.dropped.length },
        'the relay queue is full: dropped the pending deliveries of its oldest notifications',
      );
    }
    for (const name of result.queued) {
      if (byName.get(name)?.type === 'inbox') deliveries.labels(name, 'delivered').inc();
    }
    log.info(
      {
        notification: result.id,
        route,
        status: payload.status,
        alerts: payload.alerts.length,
        receivers: result.queued,
        duplicates: result.duplicates,
      },
      result.queued.length === 0 && result.duplicates.length > 0
        ? 'alert notification already queued or delivered; not sent again'
        : 'alert notification queued',
    );
    pump();
    return reply.code(202).send({ id: result.id, receivers: result.queued, duplicates: result.duplicates });
  });

  app.get('/v1/inbox', async (req, reply) => {
    const text = (req.query as { limit?: string }).limit ?? '100';
    const limit = Number(text);
    if (!/^\d+$/.test(text) || limit < 1 || limit > 1000) {
      const { status, body } = relayError('INVALID_LIMIT', 'limit', 'expected 1 to 1000');
      return reply.code(status).send(body);
    }
    return { notifications: queue.list(limit).map(inboxEntry) };
  });

  // Admin paths; /-/ready as Alertmanager's own, for probes written for it.
  app.register(fastifyAdmin, {
    admin: {
      metrics: registry,
      routes: { '/-/ready': 'ready' },
      onError: (error, path) =>
        log.error(
          {
            code: 'INTERNAL_ERROR',
            method: 'GET',
            path,
            error: (error as Error).message,
            stack: (error as Error).stack,
          },
          'request failed',
        ),
    },
  });
  return app;
}
