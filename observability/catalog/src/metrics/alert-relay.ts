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
  help: 'Webhook requests refused as not Alertmanager version 4 payloads, by code.',
  type: 'counter',
  unit: 'messages',
  labels: ['code'],
  source: 'service',
  note: '`code` is the error code of the 400 answer (UNSUPPORTED_VERSION, INVALID_PAYLOAD).',
});

export const alertRelayDeliveriesTotal = defineMetric({
  name: 'alert_relay_deliveries_total',
  help: 'Deliveries finished, by receiver and outcome (delivered, failed after every retry).',
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
  help: 'Deliveries queued or waiting to retry.',
  type: 'gauge',
  unit: 'messages',
  labels: [],
  source: 'service',
});
