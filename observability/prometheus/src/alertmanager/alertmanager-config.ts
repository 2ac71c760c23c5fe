import { Document, isScalar, visit } from 'yaml';
import { RULES_GENERATOR } from '../render/render-rules.js';
import type { NativeReceivers } from './receivers.js';

/** Where the alert relay (observability/alert-relay) listens in compose and Kubernetes: its service, same namespace. */
export const RELAY_SERVICE_ADDRESS = 'alert-relay:9096';

/** Grouping and notification timers. */
export const ALERTMANAGER_TIMERS = {
  /** Lets the alerts of one incident arrive together (production overlays may use 30s). */
  groupWait: '10s',
  /** Re-notifies a group when it changes. */
  groupInterval: '1m',
  /** Reminds while a ticket keeps firing. */
  repeatTicket: '24h',
  /** Reminds while a page keeps firing. */
  repeatPage: '4h',
  /** Under OPSIGHT_FAST=1 (whole-stack tests): notifications and their resolution within seconds. */
  fastGroupWait: '1s',
  fastGroupInterval: '2s',
} as const;

/** Labels a notification groups by: one notification per failing thing, not per series. */
export const GROUP_BY = ['alertname', 'namespace', 'job', 'slo'] as const;

/** Inhibitions: a firing source alert mutes target alerts whose `equal` labels match its own. */
export const INHIBIT_RULES = [
  {
    /** An instance that is down mutes the latency and error alerts of the same instance. */
    source_matchers: ['alertname="ServiceDown"'],
    target_matchers: ['alertname=~"HighLatency|HighErrorRate"'],
    equal: ['namespace', 'job', 'instance'],
  },
  {
    /** An SLO's page mutes the ticket of the same SLO. */
    source_matchers: ['alertname="SLOErrorBudgetBurn"', 'severity="page"'],
    target_matchers: ['alertname="SLOErrorBudgetBurn"', 'severity="ticket"'],
    equal: ['slo'],
  },
] as const;

/** How to render the Alertmanager configuration. */
export interface AlertmanagerOptions {
  /**
   * `host:port` of the alert relay.
   * @default {@link RELAY_SERVICE_ADDRESS}
   */
  readonly relayAddress?: string;
  /**
   * Whole-stack tests (OPSIGHT_FAST=1): group_wait 1s and group_interval 2s.
   * @default false
   */
  readonly fast?: boolean;
  /** Email and WeCom receivers, from {@link nativeReceiversFromEnv}. @default none */
  readonly receivers?: NativeReceivers;
}

/** The Alertmanager configuration as an object (what {@link renderAlertmanagerConfig} writes). */
export function alertmanagerConfigObject(options: AlertmanagerOptions = {}): Record<string, unknown> {
  const relay = options.relayAddress ?? RELAY_SERVICE_ADDRESS;
  const hook = (route: string) => `http://${relay}/v1/alertmanager?route=${route}`;
  const { email, wecom } = options.receivers ?? {};
  const t = ALERTMANAGER_TIMERS;
  // Email and WeCom see an alert first (continue: true), then the relay routes below take it as well.
  const native: Record<string, unknown>[] = [];
  if (wecom) {
    native.push({
      matchers: ['severity="page"'],
      receiver: 'wecom',
      repeat_interval: t.repeatPage,
      continue: true,
    });
  }
  if (email) {
    native.push(
      { matchers: ['severity="page"'], receiver: 'email', repeat_interval: t.repeatPage, continue: true },
      { matchers: ['severity="ticket"'], receiver: 'email', continue: true },
    );
  }
  const receivers: Record<string, unknown>[] = [
    {
      name: 'relay-page',
      webhook_configs: [{ url: hook('page'), send_resolved: true, max_alerts: 0 }],
    },
    { name: 'relay-page-data', webhook_configs: [{ url: hook('page-data'), send_resolved: true }] },
    { name: 'relay-ticket', webhook_configs: [{ url: hook('ticket'), send_resolved: true }] },
  ];
  if (email) {
    receivers.push({
      name: 'email',
      email_configs: [
        {
          to: email.to,
          from: email.from,
          smarthost: email.smarthost,
          auth_username: email.authUsername,
          auth_password_file: email.authPasswordFile,
          require_tls: email.requireTls,
          send_resolved: true,
        },
      ],
    });
  }
  if (wecom) {
    receivers.push({
      name: 'wecom',
      wechat_configs: [
        {
          corp_id: wecom.corpId,
          agent_id: wecom.agentId,
          ...(wecom.toParty ? { to_party: wecom.toParty } : {}),
          ...(wecom.toUser ? { to_user: wecom.toUser } : {}),
          api_secret: wecom.apiSecret,
          ...(wecom.apiUrl ? { api_url: wecom.apiUrl } : {}),
          send_resolved: true,
        },
      ],
    });
  }
  return {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: 'relay-ticket',
      group_by: [...GROUP_BY],
      group_wait: options.fast ? t.fastGroupWait : t.groupWait,
      group_interval: options.fast ? t.fastGroupInterval : t.groupInterval,
      repeat_interval: t.repeatTicket,
      routes: [
        ...native,
        {
          matchers: ['severity="page"'],
          receiver: 'relay-page',
          repeat_interval: t.repeatPage,
          routes: [{ matchers: ['service=~"postgres|redis"'], receiver: 'relay-page-data' }],
        },
        { matchers: ['severity="ticket"'], receiver: 'relay-ticket' },
      ],
    },
    inhibit_rules: INHIBIT_RULES.map((r) => ({
      source_matchers: [...r.source_matchers],
      target_matchers: [...r.target_matchers],
      equal: [...r.equal],
    })),
    receivers,
  };
}

const HEADER = [
  'Alertmanager configuration (Alertmanager 0.25, the Debian package, and 0.28+).',
  `Source of truth: observability/prometheus/src/alertmanager; \`npm run gen\` writes the committed file`,
  '(observability/alertmanager/alertmanager.yml, the relay at its compose / Kubernetes service alert-relay:9096);',
  '`opsight up` renders the local copy (the local relay port, the receivers configured in its environment).',
  '',
  'Routing: by severity (page: someone acts now; ticket: working hours), then by service for the teams that',
  'own one. Grouping by alertname, namespace and job (plus slo for SLO alerts): one notification per failing',
  'thing, not per series. Timers: group_wait 10s (1s under OPSIGHT_FAST=1) lets the alerts of one incident',
  'arrive together; group_interval 1m (2s) re-notifies a group when it changes; repeat_interval 4h (page) /',
  '24h (ticket) reminds while it keeps firing.',
  '',
  'Inhibitions: an instance that is down (ServiceDown) mutes the latency and error alerts of the same',
  'instance; an SLO’s page mutes its own ticket.',
  '',
  'Receivers: every route delivers to the alert relay (observability/alert-relay), which fans out to DingTalk,',
  'Feishu, Slack-compatible webhooks and the console’s inbox. Alertmanager’s own email (pages and tickets) and',
  'WeCom (pages) receivers are added only where configured (OPSIGHT_ALERT_EMAIL_* / OPSIGHT_ALERT_SMTP_* and',
  'OPSIGHT_ALERT_WECOM_*, observability/prometheus/README.md); a configured receiver without its secret',
  'stops the rendering with a message naming it. The SMTP password stays in its file (auth_password_file);',
  'WeCom’s application secret has no *_file field, so a configuration with WeCom holds it and is a secret.',
];

/** Renders the Alertmanager configuration with its header. */
export function renderAlertmanagerConfig(options: AlertmanagerOptions = {}): string {
  const doc = new Document(alertmanagerConfigObject(options));
  // Lists of plain values (group_by, matchers, equal) on one line, as people write them.
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((item) => isScalar(item))) node.flow = true;
    },
  });
  const head = [`Generated by ${RULES_GENERATOR} — do not edit.`, ...HEADER]
    .map((l) => (l ? `# ${l}` : '#'))
    .join('\n');
  return `${head}\n${doc.toString({ lineWidth: 0, flowCollectionPadding: false })}`;
}
