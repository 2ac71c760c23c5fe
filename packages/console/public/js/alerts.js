// Alerts: firing and silenced alerts from Alertmanager (API v2), and every alerting rule's state from
// Prometheus, so that a rule that fired and resolved shows as inactive again.
import { api, h } from './dom.js';

const since = (iso) => {
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return s < 90 ? `${Math.round(s)}s` : s < 5400 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
};

/** The alerts page. */
export async function renderAlerts(main) {
  const am = h('div', { id: 'alertmanager-alerts' }, h('div', { class: 'muted' }, 'Loading…'));
  const rules = h('div', { id: 'alert-rules' }, h('div', { class: 'muted' }, 'Loading…'));
  main.replaceChildren(
    h('h1', {}, 'Alerts'),
    h('h2', {}, 'Alertmanager'),
    am,
    h('h2', {}, 'Alerting rules (Prometheus)'),
    rules,
  );
  try {
    const alerts = await api('/api/alertmanager/alerts', {
      active: 'true',
      silenced: 'true',
      inhibited: 'true',
    });
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
              h('th', {}, 'severity'),
              h('th', {}, 'summary'),
              h('th', {}, 'since'),
              h('th', {}, 'labels'),
            ),
            alerts.map((a) => {
              const state = a.status?.state === 'active' ? 'firing' : (a.status?.state ?? '');
              return h(
                'tr',
                { 'data-alert': a.labels.alertname },
                h('td', {}, h('span', { class: `badge ${state}` }, state)),
                h(
                  'td',
                  {},
                  a.annotations?.runbook_url
                    ? h('a', { href: a.annotations.runbook_url }, a.labels.alertname)
                    : a.labels.alertname,
                ),
                h(
                  'td',
                  {},
                  h('span', { class: `badge ${a.labels.severity ?? ''}` }, a.labels.severity ?? ''),
                ),
                h('td', {}, a.annotations?.summary ?? a.annotations?.description ?? ''),
                h('td', {}, since(a.startsAt)),
                h(
                  'td',
                  { class: 'muted' },
                  Object.entries(a.labels)
                    .filter(([k]) => !['alertname', 'severity'].includes(k))
                    .map(([k, v]) => `${k}=${v}`)
                    .join(' '),
                ),
              );
            }),
          ),
    );
  } catch (err) {
    am.replaceChildren(h('div', { class: 'error' }, `Alertmanager: ${err.message}`));
  }
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
