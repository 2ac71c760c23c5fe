// Renders a generated Grafana dashboard: variables, time range, auto-refresh and six panel types.
import { lineChart } from './chart.js';
import {
  api,
  COLORS,
  formatValue,
  h,
  legendName,
  link,
  routeParams,
  seconds,
  setRouteParams,
  traceIdOf,
} from './dom.js';

const RANGES = ['5m', '15m', '1h', '6h', '24h', '7d'];
const REFRESHES = ['off', '10s', '30s', '1m', '5m'];
const ALL = '.+';
let timer;

/** The dashboard list. */
export async function renderDashboardList(main) {
  const list = await api('/api/dashboards');
  main.replaceChildren(
    h('h1', {}, 'Dashboards'),
    h(
      'div',
      { class: 'cards' },
      list.map((d) =>
        link(
          `#/d/${d.uid}`,
          { class: 'card', 'data-uid': d.uid },
          h('h2', {}, d.title),
          h('div', { class: 'muted' }, d.description),
        ),
      ),
    ),
  );
}

/** Replaces $var / ${var} with the selected values (regex alternation, escaped), or .+ for All. */
function interpolate(expr, values) {
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a, b) => {
    const name = a ?? b;
    if (name.startsWith('__')) return whole;
    const v = values[name];
    if (!v || v === '$__all') return ALL;
    return v.replace(/[\\.+*?^$()[\]{}|]/g, '\\\\$&');
  });
}

async function variableOptions(variable, values, start, end) {
  const m = /^label_values\((.*),\s*(\w+)\)$/.exec(variable.query ?? '');
  if (!m) return [];
  const params = new URLSearchParams({ start: String(start), end: String(end) });
  params.append('match[]', interpolate(m[1], values));
  const res = await api(`/api/prometheus/label/${m[2]}/values`, params);
  return res.data ?? [];
}

function panelStep(start, end) {
  return Math.max(1, Math.ceil((end - start) / 240));
}

async function promRange(expr, start, end) {
  const res = await api('/api/prometheus/query_range', {
    query: expr,
    start,
    end,
    step: panelStep(start, end),
  });
  return res.data.result.map((r) => ({ labels: r.metric, points: r.values.map(([t, v]) => [t, Number(v)]) }));
}

async function promInstant(expr, end) {
  const res = await api('/api/prometheus/query', { query: expr, time: end });
  const d = res.data;
  if (d.resultType === 'scalar') return [{ labels: {}, value: Number(d.result[1]) }];
  return d.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
}

async function exemplars(expr, start, end) {
  try {
    const res = await api('/api/prometheus/query_exemplars', { query: expr, start, end });
    return (res.data ?? []).flatMap((s) =>
      s.exemplars
        .map((e) => ({
          ts: Number(e.timestamp),
          value: Number(e.value),
          traceId: e.labels.trace_id || e.labels.traceID,
        }))
        .filter((e) => e.traceId),
    );
  } catch {
    return [];
  }
}

async function lokiRange(expr, start, end, limit = 200) {
  const res = await api('/api/loki/query_range', {
    query: expr,
    start: String(BigInt(Math.floor(start)) * 1000000000n),
    end: String(BigInt(Math.ceil(end)) * 1000000000n),
    step: String(panelStep(start, end)),
    limit: String(limit),
    direction: 'backward',
  });
  return res.data;
}

/** Renders log streams as lines, newest first; a line with a trace id links to its trace. */
export function logLines(data, { limit = 500 } = {}) {
  const rows = [];
  for (const s of data.result) {
    for (const v of s.values) rows.push({ ts: BigInt(v[0]), line: v[1], labels: s.stream, meta: v[2] ?? {} });
  }
  rows.sort((a, b) => (a.ts < b.ts ? 1 : a.ts > b.ts ? -1 : 0));
  if (rows.length === 0) return h('div', { class: 'nodata' }, 'No log lines');
  return h(
    'div',
    { class: 'loglines' },
    rows.slice(0, limit).map((r) => {
      const traceId = traceIdOf(r.line, r.labels, r.meta);
      const level = r.labels.level ?? /"level"\s*:\s*"(\w+)"/.exec(r.line)?.[1] ?? '';
      const time = new Date(Number(r.ts / 1000000n)).toISOString().replace('T', ' ').replace('Z', '');
      return h(
        'div',
        { class: 'logline', 'data-trace-id': traceId },
        h('span', { class: 'muted' }, time),
        h('span', { class: level }, level || r.labels.app || ''),
        h('span', { class: 'msg' }, r.line),
        traceId
          ? link(`#/trace/${traceId}`, { class: 'to-trace', title: "Open this line's trace" }, 'trace →')
          : h('span'),
      );
    }),
  );
}

function legend(series) {
  return h(
    'div',
    { class: 'legend' },
    series.map((s, i) => h('span', { style: `--c:${COLORS[i % COLORS.length]}` }, s.name)),
  );
}

function thresholdColor(panel, v) {
  const steps = panel.fieldConfig?.defaults?.thresholds?.steps ?? [];
  let color = 'var(--green)';
  for (const s of steps)
    if (s.value === null || v >= s.value) color = s.color === 'green' ? 'var(--green)' : s.color;
  return color;
}

async function renderPanelBody(panel, values, start, end) {
  const unit = panel.fieldConfig?.defaults?.unit;
  const min = panel.fieldConfig?.defaults?.min;
  const max = panel.fieldConfig?.defaults?.max;
  const targets = (panel.targets ?? []).map((t) => ({ ...t, expr: interpolate(t.expr, values) }));
  const isLoki = panel.datasource?.type === 'loki';
  if (panel.type === 'logs') {
    const results = await Promise.all(targets.map((t) => lokiRange(t.expr, start, end, t.maxLines ?? 200)));
    return logLines({ result: results.flatMap((r) => r.result) });
  }
  if (panel.type === 'timeseries') {
    const series = [];
    let ex = [];
    for (const t of targets) {
      const rows = isLoki
        ? (await lokiRange(t.expr, start, end)).result.map((r) => ({
            labels: r.metric,
            points: r.values.map(([ts, v]) => [Number(ts), Number(v)]),
          }))
        : await promRange(t.expr, start, end);
      for (const r of rows) series.push({ name: legendName(t.legendFormat, r.labels), points: r.points });
      if (!isLoki && t.exemplar) ex = ex.concat(await exemplars(t.expr, start, end));
    }
    if (series.length === 0) return h('div', { class: 'nodata' }, 'No data');
    return h(
      'div',
      { style: 'display:flex;flex-direction:column;height:100%' },
      h(
        'div',
        { style: 'flex:1;min-height:0' },
        lineChart(series, {
          start,
          end,
          unit,
          min,
          max,
          exemplars: ex,
          // The panel's size on the 24-column grid of 32 px rows, so that text is not stretched.
          width: (Math.max(document.documentElement.clientWidth - 40, 600) * panel.gridPos.w) / 24 - 20,
          height: panel.gridPos.h * 38 - 70,
        }),
      ),
      legend(series),
    );
  }
  const rows = [];
  for (const t of targets) {
    for (const r of await promInstant(t.expr, end))
      rows.push({ name: legendName(t.legendFormat, r.labels), labels: r.labels, value: r.value });
  }
  if (rows.length === 0) return h('div', { class: 'nodata' }, 'No data');
  if (panel.type === 'stat') {
    return h(
      'div',
      { class: 'stat' },
      rows
        .slice(0, 4)
        .map((r) =>
          h(
            'span',
            { style: `color:${thresholdColor(panel, r.value)};margin:0 8px`, title: r.name },
            formatValue(r.value, unit),
          ),
        ),
    );
  }
  if (panel.type === 'gauge') {
    return h(
      'div',
      { class: 'stat' },
      rows.map((r) => {
        const lo = min ?? 0;
        const hi = max ?? 100;
        const f = Math.max(0, Math.min(1, (r.value - lo) / (hi - lo || 1)));
        return h(
          'div',
          { style: 'text-align:center;margin:0 8px' },
          h(
            'div',
            {
              class: 'gauge-ring',
              style: `width:90px;height:90px;border-radius:50%;margin:auto;background:conic-gradient(${thresholdColor(panel, r.value)} ${f * 360}deg,#22252b 0);display:flex;align-items:center;justify-content:center`,
            },
            h(
              'div',
              {
                style:
                  'width:70px;height:70px;border-radius:50%;background:var(--panel);display:flex;align-items:center;justify-content:center;font-size:14px',
              },
              formatValue(r.value, unit),
            ),
          ),
          h('div', { class: 'muted', style: 'font-size:11px' }, r.name),
        );
      }),
    );
  }
  if (panel.type === 'bargauge') {
    const top = max ?? Math.max(...rows.map((r) => r.value), 1e-9);
    return h(
      'div',
      {},
      rows.map((r) =>
        h(
          'div',
          { class: 'bar' },
          h('span', { title: r.name }, r.name),
          h(
            'div',
            { class: 'track' },
            h('div', {
              class: 'fill',
              style: `width:${Math.max(0, Math.min(100, (r.value / top) * 100))}%;--c:${thresholdColor(panel, r.value)}`,
            }),
          ),
          h('span', {}, formatValue(r.value, unit)),
        ),
      ),
    );
  }
  // table
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.labels)))].filter((k) => k !== '__name__');
  return h(
    'table',
    {},
    h(
      'tr',
      {},
      keys.map((k) => h('th', {}, k)),
      h('th', {}, 'value'),
    ),
    rows.map((r) =>
      h(
        'tr',
        {},
        keys.map((k) => h('td', {}, r.labels[k] ?? '')),
        h('td', {}, formatValue(r.value, unit)),
      ),
    ),
  );
}

/** One dashboard with its toolbar; re-renders its panels on change and on the auto-refresh timer. */
export async function renderDashboard(main, uid) {
  clearInterval(timer);
  const dash = await api(`/api/dashboards/${encodeURIComponent(uid)}`);
  const params = routeParams();
  const state = {
    range: params.range ?? '1h',
    refresh: params.refresh ?? (dash.refresh || 'off'),
    values: {},
  };
  for (const v of dash.templating?.list ?? []) state.values[v.name] = params[`var-${v.name}`] ?? '$__all';
  const toolbar = h('div', { class: 'toolbar' });
  const grid = h('div', { class: 'grid' });
  main.replaceChildren(
    h('h1', {}, dash.title),
    h('div', { class: 'muted' }, dash.description),
    toolbar,
    grid,
  );

  const save = () =>
    setRouteParams({
      range: state.range,
      refresh: state.refresh,
      ...Object.fromEntries(
        Object.entries(state.values).map(([k, v]) => [`var-${k}`, v === '$__all' ? '' : v]),
      ),
    });
  const select = (label, options, value, onchange, name) =>
    h(
      'label',
      {},
      label,
      h(
        'select',
        { name, onchange: (e) => onchange(e.target.value) },
        options.map(([v, t]) => h('option', { value: v, selected: v === value }, t)),
      ),
    );

  async function drawToolbar() {
    const end = Date.now() / 1000;
    const start = end - seconds(state.range);
    const vars = await Promise.all(
      (dash.templating?.list ?? []).map(async (v) => {
        let opts = [];
        try {
          opts = await variableOptions(v, state.values, start, end);
        } catch {}
        return select(
          v.label ?? v.name,
          [['$__all', 'All'], ...opts.map((o) => [o, o])],
          state.values[v.name],
          (x) => {
            state.values[v.name] = x;
            save();
            drawPanels();
          },
          `var-${v.name}`,
        );
      }),
    );
    toolbar.replaceChildren(
      ...vars,
      select(
        'Range',
        RANGES.map((r) => [r, `Last ${r}`]),
        state.range,
        (x) => {
          state.range = x;
          save();
          drawPanels();
        },
        'range',
      ),
      select(
        'Refresh',
        REFRESHES.map((r) => [r, r]),
        state.refresh,
        (x) => {
          state.refresh = x;
          save();
          schedule();
        },
        'refresh',
      ),
      h('button', { onclick: () => drawPanels() }, 'Refresh now'),
    );
  }

  async function drawPanels() {
    const end = Math.floor(Date.now() / 1000);
    const start = end - seconds(state.range);
    const cells = dash.panels.map((panel) => {
      const g = panel.gridPos;
      const body = h('div', { class: 'body' }, h('div', { class: 'nodata' }, 'Loading…'));
      const el = h(
        'section',
        {
          class: 'panel',
          'data-panel-id': panel.id,
          'data-panel-type': panel.type,
          'data-state': 'loading',
          style: `grid-column:${g.x + 1} / span ${g.w};grid-row:${g.y + 1} / span ${g.h}`,
        },
        h('h3', { title: panel.description }, panel.title),
        body,
      );
      renderPanelBody(panel, state.values, start, end).then(
        (content) => {
          body.replaceChildren(content);
          el.dataset.state = content.classList?.contains('nodata') ? 'empty' : 'data';
        },
        (err) => {
          body.replaceChildren(h('div', { class: 'error' }, err.message));
          el.dataset.state = 'error';
        },
      );
      return el;
    });
    grid.replaceChildren(...cells);
  }

  function schedule() {
    clearInterval(timer);
    if (state.refresh !== 'off')
      timer = setInterval(() => {
        if (location.hash.startsWith(`#/d/${uid}`)) drawPanels();
        else clearInterval(timer);
      }, seconds(state.refresh) * 1000);
  }

  await drawPanels();
  drawToolbar();
  schedule();
}
