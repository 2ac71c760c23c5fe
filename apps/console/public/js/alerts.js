// Alerts: firing and silenced alerts from Alertmanager (API v2), the notifications the alert relay
// received (its inbox: firing and resolved, with each receiver's delivery state), and every alerting
// rule's state from Prometheus, so that a rule that fired and resolved shows as inactive again. Every
// alert shows its source: metrics (Prometheus) or logs (the log store's ruler, `source="logs"`), and a
// log alert links to the log query that fired it, over the time around it. Each section loads on its own:
// one engine down shows its error there, never a broken page.
import { api, h, link } from './dom.js';
import { isLogAlert, loadLogAlerts, loadLogRules, logAlertOrigin, logQueryHref } from './log-ruler.js';

const since = (iso) => {
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return s < 90 ? `${Math.round(s)}s` : s < 5400 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
};

/**
 * The alert's name, a link to its runbook when the runbook_url annotation is an http(s) or relative URL
 * (as text otherwise: an alert's annotations come from whoever can post to Alertmanager), and a link to
 * the expression that fired it (generatorURL, under the same rule).
 */
const alertName = (a) => [
  a.annotations?.runbook_url
    ? link(a.annotations.runbook_url, { class: 'runbook' }, a.labels.alertname)
    : a.labels.alertname,
  a.generatorURL ? [' ', link(a.generatorURL, { class: 'generator muted', title: 'source' }, '↗')] : [],
];

/** Where an alert comes from: `logs` (the log store's ruler) or `metrics` (Prometheus). */
const sourceOf = (a) => (isLogAlert(a) ? 'logs' : 'metrics');

const sourceBadge = (source) =>
  h(
    'span',
    { class: `badge source ${source}`, title: source === 'logs' ? 'log store ruler' : 'Prometheus' },
    source,
  );

/**
 * A link to the logs view running the log alert's rule expression over the time around when it became
 * active (its rule's activeAt, else `fallbackAt`); nothing when no expression is known.
 */
const logsLink = (a, groups, fallbackAt) => {
  const origin = logAlertOrigin(a, groups);
  const href = logQueryHref(origin.expr, origin.activeAt ?? fallbackAt);
  return href ? [' ', link(href, { class: 'log-query', title: 'the log query that fired it' }, 'logs')] : [];
};

const deliveries = (d) =>
  Object.entries(d ?? {}).map(([receiver, x]) =>
    h(
      'span',
      {
        class: `badge ${x.state === 'delivered' ? 'resolved' : x.state === 'failed' ? 'firing' : ''}`,
        title: x.lastError ?? '',
        'data-receiver': receiver,
      },
      `${receiver}: ${x.state}${x.attempts > 1 ? ` (${x.attempts} tries)` : ''}`,
    ),
  );

/** The relay's inbox, newest first: one row per alert of each notification. */
async function renderInbox(el) {
  let relay = false;
  try {
    relay = (await api('/api/config')).relay;
  } catch {
    // The console itself answers /api/config; if it does not, the relay state is unknown: say so below.
  }
  if (!relay) {
    el.dataset.relay = 'none';
    el.replaceChildren(h('div', { class: 'muted' }, 'No alert relay configured (console --relay URL).'));
    return;
  }
  try {
    const { notifications } = await api('/api/relay/v1/inbox', { limit: '100' });
    el.dataset.relay = 'reachable';
    const rows = notifications.flatMap((n) =>
      n.alerts.map((a) =>
        h(
          'tr',
          { 'data-alert': a.labels.alertname, 'data-notification': n.id },
          h('td', {}, h('span', { class: `badge ${a.status}` }, a.status)),
          h('td', {}, alertName(a)),
          h('td', {}, h('span', { class: `badge ${a.labels.severity ?? ''}` }, a.labels.severity ?? '')),
          h('td', {}, a.annotations?.summary ?? a.annotations?.description ?? ''),
          h('td', { title: n.receivedAt }, since(n.receivedAt)),
          h('td', { class: 'muted' }, n.route),
          h('td', {}, deliveries(n.deliveries)),
        ),
      ),
    );
    el.replaceChildren(
      rows.length === 0
        ? h('div', { class: 'muted', 'data-empty': '' }, 'The relay has received no notification yet.')
        : h(
            'table',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'status'),
              h('th', {}, 'alert'),
              h('th', {}, 'severity'),
              h('th', {}, 'summary'),
              h('th', {}, 'received'),
              h('th', {}, 'route'),
              h('th', {}, 'deliveries'),
            ),
            rows,
          ),
    );
  } catch (err) {
    el.dataset.relay = 'unreachable';
    el.replaceChildren(h('div', { class: 'error' }, `Alert relay unreachable: ${err.message}`));
  }
}

/** The alerts page. */
export async function renderAlerts(main) {
  const am = h('div', { id: 'alertmanager-alerts' }, h('div', { class: 'muted' }, 'Loading…'));
  const logAlerts = h('div', { id: 'log-alerts' }, h('div', { class: 'muted' }, 'Loading…'));
  const inbox = h('div', { id: 'relay-inbox' }, h('div', { class: 'muted' }, 'Loading…'));
  const rules = h('div', { id: 'alert-rules' }, h('div', { class: 'muted' }, 'Loading…'));
  main.replaceChildren(
    h('h1', {}, 'Alerts'),
    h('h2', {}, 'Alertmanager'),
    am,
    h('h2', {}, 'Log alerts (log store ruler)'),
    logAlerts,
    h('h2', {}, 'Alert relay inbox'),
    inbox,
    h('h2', {}, 'Alerting rules (Prometheus) ', h('a', { href: '#/rules', class: 'muted' }, 'all rules')),
    rules,
  );
  // The log rules give each log alert its expression; one load serves both sections.
  const logRules = loadLogRules({ type: 'alert' });
  await Promise.all([
    renderAlertmanager(am, logRules),
    renderLogAlerts(logAlerts, logRules),
    renderInbox(inbox),
    renderRules(rules),
  ]);
}

/** The log store ruler's pending and firing alerts, each with its click-through to the logs. */
async function renderLogAlerts(el, logRules) {
  const [res, rules] = await Promise.all([loadLogAlerts(), logRules]);
  el.dataset.state = res.status;
  if (res.status !== 'ok') {
    el.replaceChildren(
      h('div', { class: `notice ${res.status === 'no-ruler' ? 'muted' : 'error'}` }, res.message),
    );
    return;
  }
  const groups = rules.status === 'ok' ? rules.groups : [];
  el.replaceChildren(
    res.alerts.length === 0
      ? h('div', { class: 'muted', 'data-empty': '' }, 'No log alert is pending or firing.')
      : h(
          'table',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'state'),
            h('th', {}, 'alert'),
            h('th', {}, 'severity'),
            h('th', {}, 'summary'),
            h('th', {}, 'since'),
            h('th', {}, 'value'),
            h('th', {}, 'labels'),
          ),
          res.alerts.map((a) =>
            h(
              'tr',
              { 'data-alert': a.labels?.alertname ?? '', 'data-source': 'logs' },
              h('td', {}, h('span', { class: `badge ${a.state ?? ''}` }, a.state ?? '')),
              h('td', {}, alertName(a), logsLink(a, groups, a.activeAt)),
              h(
                'td',
                {},
                h('span', { class: `badge ${a.labels?.severity ?? ''}` }, a.labels?.severity ?? ''),
              ),
              h('td', {}, a.annotations?.summary ?? a.annotations?.description ?? ''),
              h('td', { title: a.activeAt ?? '' }, a.activeAt ? since(a.activeAt) : ''),
              h('td', {}, a.value ?? ''),
              h('td', { class: 'muted' }, otherLabels(a.labels)),
            ),
          ),
        ),
  );
}

const otherLabels = (labels) =>
  Object.entries(labels ?? {})
    .filter(([k]) => !['alertname', 'severity'].includes(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

async function renderAlertmanager(am, logRules) {
  try {
    const alerts = await api('/api/alertmanager/alerts', {
      active: 'true',
      silenced: 'true',
      inhibited: 'true',
    });
    // A log alert's expression comes from the log store's rules; without them, from its generatorURL.
    const rules = alerts.some(isLogAlert) ? await logRules : undefined;
    const groups = rules?.status === 'ok' ? rules.groups : [];
    am.replaceChildren(
      alerts.length === 0
        ? h('div', { class: 'muted', 'data-empty': '' }, 'No alerts in Alertmanager.')
        : h(
            'table',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'state'),
              h('th', {}, 'alert'),
              h('th', {}, 'source'),
              h('th', {}, 'severity'),
              h('th', {}, 'summary'),
              h('th', {}, 'since'),
              h('th', {}, 'labels'),
            ),
            alerts.map((a) => {
              const state = a.status?.state === 'active' ? 'firing' : (a.status?.state ?? '');
              return h(
                'tr',
                { 'data-alert': a.labels.alertname, 'data-source': sourceOf(a) },
                h('td', {}, h('span', { class: `badge ${state}` }, state)),
                h('td', {}, alertName(a), isLogAlert(a) ? logsLink(a, groups, a.startsAt) : []),
                h('td', {}, sourceBadge(sourceOf(a))),
                h(
                  'td',
                  {},
                  h('span', { class: `badge ${a.labels.severity ?? ''}` }, a.labels.severity ?? ''),
                ),
                h('td', {}, a.annotations?.summary ?? a.annotations?.description ?? ''),
                h('td', {}, since(a.startsAt)),
                h('td', { class: 'muted' }, otherLabels(a.labels)),
              );
            }),
          ),
    );
  } catch (err) {
    am.replaceChildren(h('div', { class: 'error' }, `Alertmanager: ${err.message}`));
  }
}

async function renderRules(rules) {
  try {
    const res = await api('/api/prometheus/rules', { type: 'alert' });
    const list = res.data.groups.flatMap((g) => g.rules.map((r) => ({ ...r, group: g.name })));
    rules.replaceChildren(
      list.length === 0
        ? h('div', { class: 'muted', 'data-empty': '' }, 'No alerting rules loaded.')
        : h(
            'table',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'state'),
              h('th', {}, 'rule'),
              h('th', {}, 'group'),
              h('th', {}, 'for'),
              h('th', {}, 'active'),
            ),
            list.map((r) =>
              h(
                'tr',
                { 'data-rule': r.name },
                h(
                  'td',
                  {},
                  h(
                    'span',
                    { class: `badge ${r.state === 'inactive' ? 'resolved' : r.state}` },
                    r.state === 'inactive' ? 'ok' : r.state,
                  ),
                ),
                h('td', {}, r.name),
                h('td', { class: 'muted' }, r.group),
                h('td', {}, r.duration ? `${r.duration}s` : ''),
                h('td', {}, (r.alerts ?? []).length),
              ),
            ),
          ),
    );
  } catch (err) {
    rules.replaceChildren(h('div', { class: 'error' }, `Prometheus: ${err.message}`));
  }
}
