import { ADMIN_PATHS } from '@opsight/contracts/admin';
import { nodeBinary, type WorkloadDescriptor } from '@opsight/contracts/workload';
import { HTTP_GUARD_ENV } from '@opsight/http-guard';

/** The relay's readiness path, Alertmanager's spelling (relay.ts). */
export const RELAY_READY_PATH = '/-/ready';

/** How the alert relay runs: Alertmanager's webhook receiver, with an on-disk queue. */
export const alertRelayWorkload: WorkloadDescriptor = {
  name: 'alert-relay',
  namespace: 'monitoring',
  summary:
    "Alertmanager's webhook receiver: a local inbox, and DingTalk, Feishu or Slack-compatible receivers",
  binary: nodeBinary(
    '@opsight/alert-relay',
    'opsight-alert-relay',
    new URL('./bin/alert-relay.js', import.meta.url),
  ),
  runtimeArgs: ['--enable-source-maps'],
  flags: {
    listen: { description: 'host:port to listen on (wins over ALERT_RELAY_HOST and ALERT_RELAY_PORT)' },
    'queue-dir': { description: 'Directory of the on-disk queue (wins over ALERT_RELAY_QUEUE_DIR)' },
  },
  env: {
    ...HTTP_GUARD_ENV,
    ALERT_RELAY_CONFIG: { description: 'JSON file of receivers; without it, the inbox only' },
    ALERT_RELAY_HOST: { description: 'Host to listen on', default: '127.0.0.1' },
    ALERT_RELAY_PORT: { description: 'Port to listen on', default: '9096' },
    ALERT_RELAY_QUEUE_DIR: { description: 'Directory of the on-disk queue', default: 'var/alert-relay' },
    ALERT_RELAY_RETRY_BASE_MS: { description: 'First retry delay, ms', default: '1000' },
    ALERT_RELAY_RETRY_MAX_MS: { description: 'Longest retry delay, ms', default: '60000' },
    ALERT_RELAY_GIVE_UP_AFTER_MS: { description: 'Give up on a notification after, ms', default: '3600000' },
    ALERT_RELAY_DEDUP_WINDOW_MS: {
      description: 'Duplicate notifications dropped within, ms',
      default: '3600000',
    },
  },
  ports: [{ name: 'http', port: 9096 }],
  probes: {
    liveness: { path: ADMIN_PATHS.live, port: 'http', periodSeconds: 10, failureThreshold: 6 },
    readiness: { path: RELAY_READY_PATH, port: 'http', periodSeconds: 5 },
  },
  resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  metrics: { port: 'http', path: ADMIN_PATHS.metrics },
  logFormat: 'json',
};
