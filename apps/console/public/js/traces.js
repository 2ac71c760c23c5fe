// Traces: search, waterfall with span details, service graph; each trace links to its logs.
import { api, h, link, routeParams, s, seconds, setRouteParams } from './dom.js';

const us = (v) =>
  v >= 1000000 ? `${(v / 1000000).toFixed(2)} s` : v >= 1000 ? `${(v / 1000).toFixed(1)} ms` : `${v} µs`;

function serviceGraph(deps) {
  if (deps.length === 0) return h('div', { class: 'muted' }, 'No calls between services in this window.');
  const names = [...new Set(deps.flatMap((d) => [d.parent, d.child]))];
  const W = 600;
  const H = 260;
  const pos = Object.fromEntries(
    names.map((n, i) => {
      const a = (2 * Math.PI * i) / names.length - Math.PI / 2;
      return [n, [W / 2 + Math.cos(a) * 200, H / 2 + Math.sin(a) * 95]];
    }),
  );
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', height: H, id: 'service-graph' });
  for (const d of deps) {
    const [x1, y1] = pos[d.parent];
    const [x2, y2] = pos[d.child];
    svg.append(s('line', { x1, y1, x2, y2, stroke: '#5794f2', 'stroke-width': 1.5 }));
    svg.append(s('text', { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 3 }, `${d.callCount}`));
  }
  for (const n of names) {
    const [x, y] = pos[n];
    svg.append(s('circle', { cx: x, cy: y, r: 7, fill: '#73bf69' }));
    svg.append(s('text', { x: x + 10, y: y + 4, class: 'node', style: 'fill:#d8d9da;font-size:12px' }, n));
  }
  return svg;
}

/** The search page: service, operation, tags, lookback; a result list; the service graph. */
export async function renderTraceSearch(main) {
  const params = routeParams();
  const services = (await api('/api/jaeger/services')).data ?? [];
  const service = h(
    'select',
    { name: 'service' },
    services.map((x) => h('option', { value: x, selected: x === params.service }, x)),
  );
  const lookback = h(
    'select',
    { name: 'lookback' },
    ['15m', '1h', '6h', '24h', '7d'].map((x) =>
      h('option', { value: x, selected: x === (params.lookback ?? '1h') }, x),
    ),
  );
  const tags = h('input', {
    name: 'tags',
    placeholder: 'http.status_code=500 error=true',
    value: params.tags ?? '',
    size: 32,
  });
  const list = h('div', { id: 'trace-results' });
  const graph = h('div', {});

  async function search() {
    setRouteParams({ service: service.value, lookback: lookback.value, tags: tags.value });
    const end = Date.now() * 1000;
    const start = end - seconds(lookback.value) * 1000000;
    const q = { service: service.value, start: String(start), end: String(end), limit: '50' };
    const tagMap = Object.fromEntries(
      tags.value
        .split(/\s+/)
        .filter(Boolean)
        .map((t) => t.split('=')),
    );
    if (Object.keys(tagMap).length) q.tags = JSON.stringify(tagMap);
    try {
      const res = await api('/api/jaeger/traces', q);
      const traces = (res.data ?? []).sort(
        (a, b) => Math.max(...b.spans.map((x) => x.startTime)) - Math.max(...a.spans.map((x) => x.startTime)),
      );
      list.replaceChildren(
        traces.length === 0
          ? h('div', { class: 'muted' }, 'No traces')
          : h(
              'table',
              {},
              h(
                'tr',
                {},
                h('th', {}, 'trace'),
                h('th', {}, 'root'),
                h('th', {}, 'spans'),
                h('th', {}, 'duration'),
                h('th', {}, 'start'),
              ),
              traces.map((t) => {
                const root =
                  t.spans.find((x) => !x.references?.some((r) => r.refType === 'CHILD_OF')) ?? t.spans[0];
                const first = Math.min(...t.spans.map((x) => x.startTime));
                const last = Math.max(...t.spans.map((x) => x.startTime + x.duration));
                return h(
                  'tr',
                  { 'data-trace-id': t.traceID },
                  h('td', {}, link(`#/trace/${t.traceID}`, {}, t.traceID.slice(0, 16))),
                  h('td', {}, `${t.processes[root.processID]?.serviceName ?? ''}: ${root.operationName}`),
                  h('td', {}, t.spans.length),
                  h('td', {}, us(last - first)),
                  h('td', {}, new Date(first / 1000).toLocaleString()),
                );
              }),
            ),
      );
    } catch (err) {
      list.replaceChildren(h('div', { class: 'error' }, err.message));
    }
    try {
      const deps = await api('/api/jaeger/dependencies', {
        endTs: String(Date.now()),
        lookback: String(seconds(lookback.value) * 1000),
      });
      graph.replaceChildren(serviceGraph(deps.data ?? []));
    } catch (err) {
      graph.replaceChildren(h('div', { class: 'error' }, err.message));
    }
  }

  main.replaceChildren(
    h('h1', {}, 'Traces'),
    h(
      'div',
      { class: 'toolbar' },
      h('label', {}, 'Service', service),
      h('label', {}, 'Tags', tags),
      h('label', {}, 'Lookback', lookback),
      h('button', { class: 'primary', id: 'find-traces', onclick: search }, 'Find traces'),
    ),
    list,
    h('h2', {}, 'Service graph'),
    graph,
  );
  if (services.length) await search();
}

/** One trace: a waterfall of its spans (click one for its details) and a link to its logs. */
export async function renderTrace(main, traceId) {
  const res = await api(`/api/jaeger/traces/${encodeURIComponent(traceId)}`);
  const trace = res.data?.[0];
  if (!trace) {
    main.replaceChildren(h('h1', {}, 'Trace not found'), h('p', {}, traceId));
    return;
  }
  const spans = trace.spans;
  const byId = new Map(spans.map((x) => [x.spanID, x]));
  const children = new Map();
  const roots = [];
  for (const x of spans) {
    const parent = x.references?.find((r) => r.refType === 'CHILD_OF' && byId.has(r.spanID));
    if (parent) children.set(parent.spanID, [...(children.get(parent.spanID) ?? []), x]);
    else roots.push(x);
  }
  const ordered = [];
  const walk = (x, depth) => {
    ordered.push([x, depth]);
    for (const c of (children.get(x.spanID) ?? []).sort((a, b) => a.startTime - b.startTime))
      walk(c, depth + 1);
  };
  for (const r of roots.sort((a, b) => a.startTime - b.startTime)) walk(r, 0);
  const t0 = Math.min(...spans.map((x) => x.startTime));
  const total = Math.max(...spans.map((x) => x.startTime + x.duration)) - t0 || 1;
  const details = h('div', { id: 'span-details' });
  const isError = (x) =>
    x.tags?.some(
      (t) => (t.key === 'error' && t.value === true) || (t.key === 'otel.status_code' && t.value === 'ERROR'),
    );
  const rows = ordered.map(([x, depth]) => {
    const svc = trace.processes[x.processID]?.serviceName ?? '';
    return h(
      'div',
      {
        class: 'row',
        'data-span-id': x.spanID,
        onclick: () =>
          details.replaceChildren(
            h(
              'div',
              { class: 'details' },
              h('h2', {}, `${svc}: ${x.operationName}`),
              h(
                'div',
                { class: 'muted' },
                `span ${x.spanID} · ${us(x.duration)} · starts at +${us(x.startTime - t0)}`,
              ),
              h(
                'table',
                {},
                (x.tags ?? []).map((t) => h('tr', {}, h('td', {}, t.key), h('td', {}, String(t.value)))),
              ),
              (x.logs ?? []).length
                ? h(
                    'div',
                    {},
                    h('h2', {}, 'Events'),
                    x.logs.map((l) =>
                      h(
                        'div',
                        {},
                        `+${us(l.timestamp - t0)} `,
                        l.fields.map((f) => `${f.key}=${f.value}`).join(' '),
                      ),
                    ),
                  )
                : null,
            ),
          ),
      },
      h(
        'span',
        { style: `padding-left:${depth * 14}px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis` },
        h('b', {}, svc),
        ` ${x.operationName}`,
      ),
      h(
        'div',
        { class: 'track' },
        h('div', {
          class: `span${isError(x) ? ' err' : ''}`,
          style: `left:${((x.startTime - t0) / total) * 100}%;width:${(x.duration / total) * 100}%`,
          title: us(x.duration),
        }),
      ),
    );
  });
  const logsQuery = `{trace_id="${trace.traceID}"}`;
  main.replaceChildren(
    h('h1', {}, `Trace ${trace.traceID}`),
    h(
      'div',
      { class: 'toolbar' },
      h(
        'span',
        { class: 'muted' },
        `${spans.length} spans · ${us(total)} · ${new Set(Object.values(trace.processes).map((p) => p.serviceName)).size} services`,
      ),
      link(
        `#/logs?${new URLSearchParams({ query: logsQuery, range: '24h' })}`,
        { id: 'trace-logs' },
        'Logs for this trace →',
      ),
    ),
    h('div', { class: 'waterfall' }, rows),
    details,
  );
}
