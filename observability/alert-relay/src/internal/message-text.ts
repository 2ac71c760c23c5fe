import type { WebhookPayload } from '../payload.js';

/** A short plain-text rendering of a notification: one line per alert with its summary and description. */
export function messageTitle(p: WebhookPayload): string {
  const name = p.commonLabels.alertname ?? p.groupLabels.alertname ?? 'alerts';
  const firing = p.alerts.filter((a) => a.status === 'firing').length;
  return p.status === 'resolved' ? `[RESOLVED] ${name}` : `[FIRING:${firing}] ${name}`;
}

export function messageText(p: WebhookPayload): string {
  const lines = [messageTitle(p)];
  for (const a of p.alerts) {
    const severity = a.labels.severity ? ` (${a.labels.severity})` : '';
    lines.push(`- ${a.status}: ${a.annotations.summary ?? a.labels.alertname}${severity}`);
    if (a.annotations.description) lines.push(`  ${a.annotations.description}`);
    if (a.annotations.runbook_url) lines.push(`  runbook: ${a.annotations.runbook_url}`);
  }
  return lines.join('\n');
}
