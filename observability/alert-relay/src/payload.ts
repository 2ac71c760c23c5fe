/** One alert of Alertmanager's webhook payload (version 4). */
export interface WebhookAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt?: string;
  readonly generatorURL?: string;
  readonly fingerprint?: string;
}

/** Alertmanager's webhook payload, version 4. */
export interface WebhookPayload {
  readonly version: '4';
  readonly groupKey: string;
  readonly truncatedAlerts?: number;
  readonly status: 'firing' | 'resolved';
  readonly receiver: string;
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly commonLabels: Readonly<Record<string, string>>;
  readonly commonAnnotations: Readonly<Record<string, string>>;
  readonly externalURL?: string;
  readonly alerts: readonly WebhookAlert[];
}

/** Why a payload was refused: a stable code, the offending field, a reason. */
export interface PayloadProblem {
  readonly code: 'INVALID_PAYLOAD' | 'UNSUPPORTED_VERSION';
  readonly field: string;
  readonly message: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringMap = (v: unknown) => isObject(v) && Object.values(v).every((x) => typeof x === 'string');
const STATUSES = ['firing', 'resolved'];

/** Checks that `body` is Alertmanager's version 4 webhook payload; returns the first problem found. */
export function checkWebhookPayload(
  body: unknown,
): { payload: WebhookPayload } | { problem: PayloadProblem } {
  const bad = (field: string, message: string) => ({
    problem: { code: 'INVALID_PAYLOAD' as const, field, message },
  });
  if (!isObject(body)) return bad('', 'expected a JSON object (Alertmanager webhook payload)');
  if (body.version !== '4') {
    return {
      problem: {
        code: 'UNSUPPORTED_VERSION',
        field: 'version',
        message: `expected Alertmanager webhook payload version "4", got ${JSON.stringify(body.version ?? null)}`,
      },
    };
  }
  if (typeof body.groupKey !== 'string') return bad('groupKey', 'expected a string');
  if (!STATUSES.includes(body.status as string)) return bad('status', 'expected "firing" or "resolved"');
  if (typeof body.receiver !== 'string') return bad('receiver', 'expected a string');
  for (const field of ['groupLabels', 'commonLabels', 'commonAnnotations']) {
    if (!isStringMap(body[field])) return bad(field, 'expected an object of strings');
  }
  if (!Array.isArray(body.alerts) || body.alerts.length === 0)
    return bad('alerts', 'expected a non-empty array');
  for (const [i, alert] of body.alerts.entries()) {
    const at = `alerts[${i}]`;
    if (!isObject(alert)) return bad(at, 'expected an object');
    if (!STATUSES.includes(alert.status as string))
      return bad(`${at}.status`, 'expected "firing" or "resolved"');
    if (
      !isStringMap(alert.labels) ||
      typeof (alert.labels as Record<string, string>).alertname !== 'string'
    ) {
      return bad(`${at}.labels`, 'expected an object of strings with an alertname');
    }
    if (!isStringMap(alert.annotations)) return bad(`${at}.annotations`, 'expected an object of strings');
    if (typeof alert.startsAt !== 'string' || Number.isNaN(Date.parse(alert.startsAt))) {
      return bad(`${at}.startsAt`, 'expected an RFC 3339 time');
    }
  }
  return { payload: body as unknown as WebhookPayload };
}
