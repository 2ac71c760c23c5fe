// Rules: every recording and alerting rule the stack evaluates, from both rulers, side by side: Prometheus
// (`/api/v1/rules`, PromQL over metrics) and the log store (`/prometheus/api/v1/rules`, LogQL over logs),
// each with its state, health, last evaluation and last error. Each source loads on its own: a store that
// is down, or one without a ruler, shows a notice in its section, never a broken page.
import { api, h, link } from './dom.js';
import { loadLogRules, logQueryHref } from './log-ruler.js';

const ago = (iso, now = Date.now()) => {
  const ms = Date.parse(iso ?? '');
  if (!Number.isFinite(ms) || ms <= 0) return 'never';
  const s = Math.max(0, (now - ms) / 1000);
  return s < 90
    ? `${Math.round(s)}s ago`
    : s < 5400
      ? `${Math.round(s / 60)}m ago`
      : `${Math.round(s / 3600)}h ago`;
};

const stateBadge = (r) => {
  if (r.type !== 'alerting') return h('span', { class: 'badge' }, 'recording');
  const state = r.state ?? 'unknown';
  return h(
    'span',
    { class: `badge ${state === 'inactive' ? 'resolved' : state}` },
    state === 'inactive' ? 'ok' : state,
  );
};

const healthBadge = (health) =>
  h(
    'span',
    { class: `badge ${health === 'ok' ? 'resolved' : health === 'err' ? 'firing' : ''}` },
    health || 'unknown',
  );

/** One line over a ruler's table: how many rules of each kind, how many alerting, how many failing. */
function summary(rules) {
  const count = (f) => rules.filter(f).length;
  const alerting = count((r) => r.type === 'alerting');
  const firing = count((r) => r.state === 'firing');
  const pending = count((r) => r.state === 'pending');
  const failing = count((r) => r.health === 'err');
  const active = [firing ? `${firing} firing` : '', pending ? `${pending} pending` : ''].filter(Boolean);
  return h(
    'div',
    { class: `rules-summary ${failing ? 'error' : 'muted'}` },
    `${rules.length} rule${rules.length === 1 ? '' : 's'}: ${alerting} alerting`,
    active.length ? ` (${active.join(', ')})` : '',
    `, ${rules.length - alerting} recording`,
    failing ? `; ${failing} failing to evaluate` : '',
  );
}

/** The table of one ruler's rules; `source` is `metrics` or `logs`. */
function rulesTable(groups, source) {
  const rules = groups.flatMap((g) => (g.rules ?? []).map((r) => ({ ...r, group: g.name, file: g.file })));
  if (rules.length === 0) return h('div', { class: 'muted', 'data-empty': '' }, 'No rules loaded.');
  return [
    summary(rules),
    h(
      'table',
      { class: 'rules' },
      h(
        'tr',
        {},
        h('th', {}, 'state'),
        h('th', {}, 'rule'),
        h('th', {}, 'group'),
        h('th', {}, 'health'),
        h('th', {}, 'last evaluation'),
        h('th', {}, 'last error'),
        h('th', {}, 'query'),
      ),
      rules.map((r) => {
        const active = (r.alerts ?? []).length;
        const href = source === 'logs' ? logQueryHref(r.query, r.alerts?.[0]?.activeAt) : undefined;
        const query = href
          ? link(href, { class: 'log-query', title: 'open in Logs' }, r.query)
          : (r.query ?? '');
        return h(
          'tr',
          { 'data-rule': r.name, 'data-source': source, 'data-type': r.type, 'data-health': r.health ?? '' },
          h('td', {}, stateBadge(r), active ? h('span', { class: 'muted' }, ` ${active} active`) : []),
          h('td', {}, r.name),
          h('td', { class: 'muted', title: r.file ?? '' }, r.group),
          h('td', {}, healthBadge(r.health)),
          h('td', { title: r.lastEvaluation ?? '' }, ago(r.lastEvaluation)),
          h('td', { class: r.lastError ? 'error last-error' : 'muted' }, r.lastError || '–'),
          h('td', { class: 'query' }, h('code', {}, query)),
        );
      }),
    ),
  ];
}

async function renderPrometheusRules(el) {
  try {
    const res = await api('/api/prometheus/rules');
    el.dataset.state = 'ok';
    el.replaceChildren(...[rulesTable(res.data?.groups ?? [], 'metrics')].flat());
  } catch (err) {
    el.dataset.state =
      err.code === 'UPSTREAM_UNAVAILABLE' || err.code === 'UPSTREAM_TIMEOUT' ? 'unreachable' : 'error';
    el.replaceChildren(h('div', { class: 'error notice' }, `Prometheus: ${err.message}`));
  }
}

async function renderLogRules(el) {
  const res = await loadLogRules();
  el.dataset.state = res.status;
  if (res.status === 'ok') el.replaceChildren(...[rulesTable(res.groups, 'logs')].flat());
  else
    el.replaceChildren(
      h('div', { class: `notice ${res.status === 'no-ruler' ? 'muted' : 'error'}` }, res.message),
    );
}

/** The rules page. */
export async function renderRules(main) {
  const metrics = h('div', { id: 'prometheus-rules' }, h('div', { class: 'muted' }, 'Loading…'));
  const logs = h('div', { id: 'log-rules' }, h('div', { class: 'muted' }, 'Loading…'));
  main.replaceChildren(
    h('h1', {}, 'Rules'),
    h('h2', {}, 'Metrics (Prometheus)'),
    metrics,
    h('h2', {}, 'Logs (log store ruler)'),
    logs,
  );
  await Promise.all([renderPrometheusRules(metrics), renderLogRules(logs)]);
}
