// Log explorer: LogQL with syntax errors shown where they are, results as lines or a chart, live tail.
import { lineChart } from './chart.js';
import { logLines } from './dashboard.js';
import { api, h, legendName, routeParams, seconds, setRouteParams } from './dom.js';

let tailTimer;

const EXAMPLES = [
  '{app="model-router", level="ERROR"}',
  '{trace_id="…"}',
  'sum(rate({app="api-service"} | json | unwrap latency_ms [1m])) by (path)',
];

function syntaxError(query, error) {
  const at = Math.min(error.offset, query.length);
  const lineStart = query.lastIndexOf('\n', at - 1) + 1;
  const lineEnd = query.indexOf('\n', at) === -1 ? query.length : query.indexOf('\n', at);
  const line = query.slice(lineStart, lineEnd);
  const col = at - lineStart;
  return h(
    'div',
    { class: 'syntax-error', 'data-offset': error.offset },
    h('div', {}, `Syntax error: ${error.message}`),
    h('div', {}, line.slice(0, col), h('mark', {}, line.slice(col, col + 1) || ' '), line.slice(col + 1)),
    h('div', {}, `${' '.repeat(col)}^`),
  );
}

/**
 * A fixed time range from the route (`from` and `to`, milliseconds since the epoch, as an alert's
 * click-through writes them), or undefined when it has none or a malformed one.
 */
function fixedRange(params) {
  if (!/^\d{1,15}$/.test(params.from ?? '') || !/^\d{1,15}$/.test(params.to ?? '')) return undefined;
  const from = Number(params.from);
  const to = Number(params.to);
  return from < to ? { from, to } : undefined;
}

const rangeLabel = ({ from, to }) =>
  `${new Date(from).toLocaleString()} – ${new Date(to).toLocaleTimeString()}`;

/** The explorer page. */
export function renderLogs(main) {
  clearInterval(tailTimer);
  const params = routeParams();
  // A fixed range (from an alert) until another range is chosen.
  let fixed = fixedRange(params);
  const input = h(
    'textarea',
    { rows: 3, name: 'query', spellcheck: 'false' },
    params.query ?? '{namespace=~".+"}',
  );
  const range = h(
    'select',
    { name: 'range' },
    fixed ? h('option', { value: 'fixed', selected: true }, rangeLabel(fixed)) : [],
    ['5m', '15m', '1h', '6h', '24h', '7d'].map((r) =>
      h('option', { value: r, selected: !fixed && r === (params.range ?? '1h') }, `Last ${r}`),
    ),
  );
  range.addEventListener('change', () => {
    if (range.value !== 'fixed') fixed = undefined;
  });
  const tail = h('input', { type: 'checkbox', name: 'tail' });
  const status = h('div', { class: 'muted', id: 'log-status' });
  const errorBox = h('div', { id: 'log-error' });
  const results = h('div', { id: 'log-results' });
  let lastNs = 0n;

  async function run() {
    const query = input.value.trim();
    setRouteParams(
      fixed ? { query, from: String(fixed.from), to: String(fixed.to) } : { query, range: range.value },
    );
    errorBox.replaceChildren();
    const check = await api('/api/check/logql', { query });
    if (check.error) {
      errorBox.replaceChildren(syntaxError(query, check.error));
      results.replaceChildren();
      status.textContent = '';
      return;
    }
    const end = fixed ? fixed.to / 1000 : Date.now() / 1000;
    const start = fixed ? fixed.from / 1000 : end - seconds(range.value);
    status.textContent = 'Running…';
    try {
      const res = await api('/api/loki/query_range', {
        query,
        start: String(BigInt(Math.floor(start)) * 1000000000n),
        end: String(BigInt(Math.ceil(end)) * 1000000000n),
        step: String(Math.max(1, Math.ceil((end - start) / 240))),
        limit: '500',
        direction: 'backward',
      });
      const d = res.data;
      if (d.resultType === 'streams') {
        const n = d.result.reduce((a, s) => a + s.values.length, 0);
        status.textContent = `${n} line${n === 1 ? '' : 's'}`;
        for (const s of d.result) for (const v of s.values) if (BigInt(v[0]) > lastNs) lastNs = BigInt(v[0]);
        results.replaceChildren(logLines(d));
      } else {
        const series = d.result.map((r) => ({
          name: legendName('', r.metric),
          points: r.values.map(([t, v]) => [Number(t), Number(v)]),
        }));
        status.textContent = `${series.length} series`;
        results.replaceChildren(
          series.length
            ? h(
                'div',
                { style: 'height:260px' },
                lineChart(series, {
                  start,
                  end,
                  unit: 'short',
                  width: document.documentElement.clientWidth - 40,
                  height: 260,
                }),
              )
            : h('div', { class: 'nodata' }, 'No data'),
          h(
            'div',
            { class: 'legend' },
            series.map((s) => h('span', {}, s.name)),
          ),
        );
      }
    } catch (err) {
      status.textContent = '';
      errorBox.replaceChildren(h('div', { class: 'syntax-error' }, err.message));
    }
  }

  async function poll() {
    const query = input.value.trim();
    if (!location.hash.startsWith('#/logs')) return clearInterval(tailTimer);
    try {
      const res = await api('/api/loki/query_range', {
        query,
        start: String(lastNs + 1n),
        end: String(BigInt(Date.now()) * 1000000n),
        limit: '500',
        direction: 'forward',
      });
      if (res.data.resultType !== 'streams') return;
      const fresh = res.data.result.reduce((a, s) => a + s.values.length, 0);
      if (fresh === 0) return;
      for (const s of res.data.result)
        for (const v of s.values) if (BigInt(v[0]) > lastNs) lastNs = BigInt(v[0]);
      const block = logLines(res.data);
      const list = results.querySelector('.loglines');
      if (list) list.prepend(...block.childNodes);
      else results.replaceChildren(block);
      status.textContent = `live: +${fresh} line${fresh === 1 ? '' : 's'} at ${new Date().toLocaleTimeString()}`;
    } catch {}
  }

  tail.addEventListener('change', () => {
    clearInterval(tailTimer);
    if (tail.checked) {
      if (lastNs === 0n) lastNs = BigInt(Date.now() - 5000) * 1000000n;
      tailTimer = setInterval(poll, 1000);
    }
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey || e.shiftKey)) {
      e.preventDefault();
      run();
    }
  });

  main.replaceChildren(
    h('h1', {}, 'Logs'),
    h('div', { class: 'querybox' }, input),
    h(
      'div',
      { class: 'toolbar' },
      h('button', { class: 'primary', id: 'run-query', onclick: run }, 'Run query'),
      range,
      h('label', {}, tail, 'Live tail'),
      h(
        'span',
        { class: 'muted' },
        'Examples: ',
        EXAMPLES.map((q) =>
          h(
            'a',
            {
              href: '#',
              onclick: (e) => {
                e.preventDefault();
                input.value = q;
              },
            },
            q,
            ' · ',
          ),
        ),
      ),
    ),
    errorBox,
    status,
    results,
  );
  if (params.query) run();
}
