import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dcgmGpuUtilization, dcgmMemoryUsedBytes } from '@opsight/catalog';
import { parse } from 'yaml';
import { checkLogQL } from '../src/check/logql.js';
import { checkPromQL } from '../src/check/promql.js';
import { RECORDED } from '../src/dashboards/capacity.js';
import { GATEWAY_QUERIES } from '../src/dashboards/gateway.js';
import { STRATEGY_LOGQL } from '../src/dashboards/logs.js';
import { interpolate, panelQueries } from '../src/queries.js';
import { renderDashboards } from '../src/render.js';

const all = renderDashboards().flatMap((f) => panelQueries(JSON.parse(f.text)));

test('every PromQL panel query parses with the Prometheus grammar', () => {
  const prom = all.filter((q) => q.language === 'prometheus');
  assert.ok(prom.length > 40, `only ${prom.length} PromQL queries`);
  for (const q of prom) {
    assert.equal(checkPromQL(interpolate(q.expr)), undefined, `${q.dashboard} / ${q.panel}: ${q.expr}`);
  }
});

test('every LogQL panel query parses with the LogQL grammar', () => {
  const logql = all.filter((q) => q.language === 'loki');
  assert.ok(logql.length >= 5, `only ${logql.length} LogQL queries`);
  for (const q of logql) {
    assert.equal(checkLogQL(interpolate(q.expr)), undefined, `${q.dashboard} / ${q.panel}: ${q.expr}`);
  }
});

test("the Gateway dashboard uses the strategy's queries exactly as written", () => {
  assert.deepEqual(GATEWAY_QUERIES, {
    qps: 'sum(rate(nginx_http_requests_total[1m]))',
    p99: 'histogram_quantile(0.99, sum(rate(nginx_http_request_duration_seconds_bucket[5m])) by (le))',
    errorRate:
      'sum(rate(nginx_http_requests_total{status=~"5.."}[1m])) / sum(rate(nginx_http_requests_total[1m]))',
    ingress: 'sum(rate(nginx_http_request_size_bytes[1m]))',
    egress: 'sum(rate(nginx_http_response_size_bytes[1m]))',
  });
  const gateway = all.filter((q) => q.dashboard === 'opsight-gateway').map((q) => q.expr);
  // As a panel's whole query, or zero-filled around it (the 5xx rate: 0 rather than "No data").
  for (const q of Object.values(GATEWAY_QUERIES))
    assert.ok(
      gateway.some((e) => e === q || e.startsWith(`(${q}) or `)),
      q,
    );
});

test("the strategy's three LogQL queries are written as the strategy writes them", () => {
  assert.equal(STRATEGY_LOGQL.routerErrors, '{app="model-router", level="ERROR"}');
  assert.equal(STRATEGY_LOGQL.byTrace('abc-123-xyz-789'), '{trace_id="abc-123-xyz-789"}');
  assert.equal(
    STRATEGY_LOGQL.latencyByPath,
    'sum(rate({app="api-service"} | json | unwrap latency_ms [1m])) by (path)',
  );
  for (const q of [STRATEGY_LOGQL.routerErrors, STRATEGY_LOGQL.byTrace('x'), STRATEGY_LOGQL.latencyByPath]) {
    assert.equal(checkLogQL(q), undefined, q);
  }
});

test('the checks report where a broken query stops parsing', () => {
  assert.equal(checkPromQL('sum(rate(up[1m])')?.offset, 16);
  assert.ok(checkPromQL('rate(up[1m]) by'));
  assert.equal(checkPromQL('')?.message, 'empty query');
  const logErr = checkLogQL('{app="x"} |= ');
  assert.ok(logErr && logErr.offset >= 9, JSON.stringify(logErr));
  assert.ok(checkLogQL('{app="x"'));
  assert.equal(checkLogQL('  ')?.message, 'empty query');
});

test('interpolate: All becomes .+, chosen values become an escaped alternation, builtins stay', () => {
  assert.equal(interpolate('up{job=~"$service"}'), 'up{job=~".+"}');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's braced variable syntax, not a template.
  assert.equal(interpolate('up{job=~"${service}"}', { service: ['$__all'] }), 'up{job=~".+"}');
  assert.equal(interpolate('up{job=~"$service"}', { service: ['a', 'b.c'] }), 'up{job=~"a|b\\\\.c"}');
  assert.equal(checkPromQL(interpolate('up{job=~"$service"}', { service: ['a', 'b.c'] })), undefined);
  assert.equal(interpolate('rate(x[$__rate_interval])'), 'rate(x[$__rate_interval])');
});

test('panelQueries refuses a panel whose data source is not provisioned', () => {
  assert.throws(
    () =>
      panelQueries({
        uid: 'd',
        panels: [{ title: 'p', datasource: { uid: 'nope' }, targets: [{ expr: 'up' }] }],
      }),
    /unknown data source uid nope/,
  );
});

test('every recording rule a panel reads is recorded by the Prometheus rules', () => {
  const rulesDir = fileURLToPath(new URL('../../../prometheus/rules/', import.meta.url));
  const recorded = new Set<string>();
  for (const file of readdirSync(rulesDir).filter((f) => f.endsWith('.yml'))) {
    const doc = parse(readFileSync(join(rulesDir, file), 'utf8')) as {
      groups: { rules: { record?: string }[] }[];
    };
    for (const g of doc.groups) for (const r of g.rules) if (r.record) recorded.add(r.record);
  }
  const used = new Set(
    all
      .filter((q) => q.language === 'prometheus')
      .flatMap((q) => q.expr.replace(/"[^"]*"/g, '""').match(/[a-zA-Z_]\w*:[\w:]+/g) ?? []),
  );
  for (const name of Object.values(RECORDED)) assert.ok(used.has(name), `${name} is used by a panel`);
  for (const name of used) assert.ok(recorded.has(name), `${name} is not recorded in ${rulesDir}`);
});

test('GPU panels keep the GPUs of different nodes apart: by Hostname and gpu', () => {
  const gpu = all.filter((q) => /\bdcgm_/.test(q.expr));
  assert.equal(gpu.length, 2);
  for (const q of gpu) assert.match(q.expr, /^(avg|sum) by \(Hostname, gpu\) \(dcgm_\w+\)$/, q.expr);
  for (const m of [dcgmGpuUtilization, dcgmMemoryUsedBytes])
    for (const label of ['Hostname', 'gpu'])
      assert.ok((m.labels as readonly string[]).includes(label), `${m.name} has ${label}`);
  const rendered = renderDashboards().find((f) => f.path.endsWith('opsight-model-serving.json'));
  assert.equal(rendered?.text.match(/"legendFormat": "\{\{Hostname\}\} GPU \{\{gpu\}\}"/g)?.length, 2);
});
