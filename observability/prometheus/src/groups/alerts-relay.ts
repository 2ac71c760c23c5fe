import { alertRelayDeliveryAttemptsTotal } from '@opsight/catalog';
import type { RuleGroup, TestSeries } from '../rule.js';
import { FOR_MINUTES } from '../settings.js';

const s = (series: string, values: string): TestSeries => ({ series, values });
const attempts = alertRelayDeliveryAttemptsTotal.name;
const by = 'namespace, job, instance, receiver';

/**
 * The alert relay's own delivery (observability/alert-relay), like Alertmanager's
 * alertmanager_notifications_failed_total: a receiver whose every attempt fails.
 */
export const relayAlerts: RuleGroup = {
  name: 'alert-relay-alerts',
  alerts: [
    {
      alert: 'AlertRelayReceiverFailing',
      expr: `sum by (${by}) (increase(${attempts}{result="error"}[10m])) > 0 unless on (${by}) sum by (${by}) (increase(${attempts}{result="ok"}[10m])) > 0`,
      forMinutes: FOR_MINUTES.relayReceiverFailing,
      severity: 'page',
      labels: { service: 'alert-relay' },
      summary: 'Alert receiver {{ $labels.receiver }} keeps refusing notifications',
      description:
        'Every delivery attempt of the alert relay to {{ $labels.receiver }} failed over 10 minutes ({{ $value | humanize }} failed attempts, none succeeded): its notifications wait in the relay queue and are marked failed at their give-up time.',
      fixture: {
        firing: [
          s(`${attempts}{job="alert-relay",instance="r",receiver="oncall",result="error"}`, '0+2x20'),
          s(`${attempts}{job="alert-relay",instance="r",receiver="oncall",result="ok"}`, '5+0x20'),
        ],
        healthy: [
          s(`${attempts}{job="alert-relay",instance="r",receiver="oncall",result="error"}`, '0+2x20'),
          s(`${attempts}{job="alert-relay",instance="r",receiver="oncall",result="ok"}`, '5+1x20'),
        ],
        trueFromMinutes: 1,
        labels: { job: 'alert-relay', instance: 'r', receiver: 'oncall' },
        valueText: '12',
      },
    },
  ],
};
