import { defineMetric } from '../metric-definition.js';

const receiverNote = '`receiver` is a receiver name of the relay’s configuration.';

export const alertRelayNotificationsTotal = defineMetric({
  name: 'alert_relay_notifications_total',
  help: 'Alertmanager notifications accepted, by route.',
  type: 'counter',
  unit: 'messages',
  labels: ['route'],
  source: 'service',
  note: '`route` is the `?route=` of the webhook URL in the Alertmanager configuration (page, page-data, ticket).',
});

export const alertRelayNotificationsRejectedTotal = defineMetric({
  name: 'alert_relay_notifications_rejected_total',
  help: 'Webhook requests refused, by code: 400 for anything not an Alertmanager version 4 payload, 503 when the queue cannot store it.',
  type: 'counter',
  unit: 'messages',
  labels: ['code'],
  source: 'service',
  note: '`code` is the error code of the answer: UNSUPPORTED_VERSION and INVALID_PAYLOAD (400), QUEUE_UNAVAILABLE (503: the on-disk queue refused the write, e.g. a full disk; Alertmanager retries).',
});

export const alertRelayDeliveriesTotal = defineMetric({
  name: 'alert_relay_deliveries_total',
  help: 'Deliveries finished, by receiver and outcome (delivered; failed: retried until the give-up time; dropped: evicted from a full queue).',
  type: 'counter',
  unit: 'messages',
  labels: ['receiver', 'outcome'],
  source: 'service',
  note: `${receiverNote} A failed delivery stays in the inbox as failed and is logged at ERROR.`,
});

export const alertRelayDeliveryAttemptsTotal = defineMetric({
  name: 'alert_relay_delivery_attempts_total',
  help: 'HTTP attempts to deliver, by receiver and result (ok, error).',
  type: 'counter',
  unit: 'requests',
  labels: ['receiver', 'result'],
  source: 'service',
  note: receiverNote,
});

export const alertRelayDeliveriesPending = defineMetric({
  name: 'alert_relay_deliveries_pending',
  help: 'Deliveries in the on-disk queue not yet delivered, failed or dropped (the queue depth).',
  type: 'gauge',
  unit: 'messages',
  labels: [],
  source: 'service',
  note: 'Read from the queue at each scrape, so it counts what a restart resumes.',
});

export const alertRelayOldestPendingAgeSeconds = defineMetric({
  name: 'alert_relay_oldest_pending_age_seconds',
  help: 'Age of the oldest notification with a delivery still pending in the queue (0 when none).',
  type: 'gauge',
  unit: 'seconds',
  labels: [],
  source: 'service',
  note: 'Grows while a receiver keeps failing; it falls back when the delivery succeeds or gives up.',
});

export const alertRelayNotificationsDeduplicatedTotal = defineMetric({
  name: 'alert_relay_notifications_deduplicated_total',
  help: 'Deliveries not queued because an identical notification is queued or was delivered within the dedup window, by receiver.',
  type: 'counter',
  unit: 'messages',
  labels: ['receiver'],
  source: 'service',
  note: `${receiverNote} Identical: same group key, status, alert fingerprints and startsAt (endsAt for resolved alerts); Alertmanager resends one after a lost 202 or a restart.`,
});
