import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import {
  panelDataFailures,
  panelStep,
  queryAllPanelData,
  queryPanelData,
} from '../../src/check/panel-data.js';
import { type PanelQuery, panelQueries } from '../../src/queries.js';
import { renderDashboards } from '../../src/render.js';

// A stand-in for Prometheus and Loki that knows two metrics and one log stream: a query naming
// anything else returns an empty result, as the real engines do for a metric nobody exports.
const KNOWN = ['nginx_http_requests_total', 'up'];
const urls: URL[] = [];
let server: Server;
let base: string;

before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    urls.push(url);
    const query = url.searchParams.get('query') ?? '';
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (query.includes('(((')) return reply(400, { status: 'error', error: 'parse error: unexpected (' });
    if (url.pathname === '/loki/api/v1/query_range') {
      const result = query.includes('app="api-service"')
        ? [{ stream: { app: 'api-service' }, values: [] }]
        : [];
      return reply(200, { status: 'success', data: { resultType: 'streams', result } });
    }
    const names = query.match(/[a-z_:]+(?=[{[)\s]|$)/g) ?? [];
    const known = names.some((n) => KNOWN.includes(n));
    const range = url.pathname.endsWith('/query_range');
    const result = known ? [{ metric: {}, [range ? 'values' : 'value']: range ? [[1, '1']] : [1, '1'] }] : [];
    reply(200, { status: 'success', data: { resultType: range ? 'matrix' : 'vector', result } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const options = () => ({ prometheus: base, loki: base, start: 1000, end: 1900 });
const panel = (expr: string, extra: Partial<PanelQuery> = {}): PanelQuery => ({
  dashboard: 'opsight-gateway',
  panel: 'QPS',
  language: 'prometheus',
  expr,
  instant: false,
  ...extra,
});

test('a panel over a metric that exists has data; the same panel with a typo in the metric fails', async () => {
  const good = await queryPanelData(panel('sum(rate(nginx_http_requests_total[1m]))'), options());
  assert.equal(good.series, 1);
  assert.deepEqual(panelDataFailures([good]), []);

  const typo = await queryPanelData(panel('sum(rate(nginx_http_request_totl[1m]))'), options());
  assert.equal(typo.series, 0);
  assert.deepEqual(panelDataFailures([typo]), [
    'opsight-gateway / QPS: no data from prometheus query: sum(rate(nginx_http_request_totl[1m]))',
  ]);
});

test('a query the engine refuses fails even when its panel may show no data', async () => {
  const broken = await queryPanelData(panel('sum(((up'), options());
  assert.match(broken.error ?? '', /HTTP 400: parse error/);
  const failures = panelDataFailures([broken], { 'opsight-gateway / QPS': 'allowed to be empty' });
  assert.equal(failures.length, 1);
  assert.match(
    failures[0] ?? '',
    /^opsight-gateway \/ QPS: query failed \(HTTP 400: parse error.*\): sum\(\(\(up$/,
  );
});

test('an excepted panel may be empty; an unreachable engine is a failure', async () => {
  const gpu = await queryPanelData(panel('avg(dcgm_gpu_utilization)', { panel: 'GPU' }), options());
  assert.deepEqual(panelDataFailures([gpu], { 'opsight-gateway / GPU': 'no GPU on this host' }), []);
  assert.equal(panelDataFailures([gpu]).length, 1);

  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const down = await queryPanelData(panel('up'), { ...options(), prometheus: `http://127.0.0.1:${port}` });
  assert.equal(down.series, 0);
  assert.ok(down.error, 'the connection error is reported');
  assert.equal(panelDataFailures([down]).length, 1);
});

test('queries are sent as the console sends them: variables substituted, instant at the end, LogQL over the range', async () => {
  urls.length = 0;
  const [range, instant, logs] = await queryAllPanelData(
    [
      panel('up{job=~"$service"}'),
      panel('up', { instant: true }),
      panel('{app="api-service", namespace=~"$namespace"}', { language: 'loki' }),
    ],
    { ...options(), variables: { service: ['api-service'] } },
  );
  assert.equal(range?.query, 'up{job=~"api-service"}');
  assert.equal(logs?.query, '{app="api-service", namespace=~".+"}');
  assert.deepEqual([range?.series, instant?.series, logs?.series], [1, 1, 1]);
  const byPath = new Map(urls.map((u) => [u.pathname, u.searchParams]));
  assert.equal(byPath.get('/api/v1/query_range')?.get('step'), String(panelStep(1000, 1900)));
  assert.equal(byPath.get('/api/v1/query')?.get('time'), '1900');
  assert.equal(byPath.get('/loki/api/v1/query_range')?.get('start'), '1000000000000');
  assert.equal(byPath.get('/loki/api/v1/query_range')?.get('end'), '1900000000000');
});

test('every generated panel query is checked, with instant panels marked', () => {
  const all = renderDashboards().flatMap((f) => panelQueries(JSON.parse(f.text)));
  const qps = all.find((q) => q.dashboard === 'opsight-gateway' && q.panel === 'QPS');
  assert.equal(qps?.instant, true, 'a stat panel shows an instant query');
  const rps = all.find((q) => q.dashboard === 'opsight-gateway' && q.panel === 'Requests per second');
  assert.equal(rps?.instant, false);
});
