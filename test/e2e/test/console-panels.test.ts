// Every panel query of every generated dashboard returns data on the whole stack once loadgen has run:
// a panel showing "No data" is a failure. Queries run as the console and Grafana run them (variables on
// "All", range queries over the last 15 minutes, instant ones now) against the e2e Prometheus and log
// store. The only panels allowed to be empty are listed, with their reason, by noDataExceptions().
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type PanelData,
  panelDataFailures,
  panelKey,
  queryAllPanelData,
  queryPanelData,
} from '@opsight/dashboards';
import { PROMETHEUS, port } from '../src/env.js';
import { generatedPanelQueries, noDataExceptions, producePanelTraffic } from '../src/panels.js';

const LOKI = `http://127.0.0.1:${port(3100)}`;
const RANGE_S = 15 * 60;
const options = () => {
  const end = Math.floor(Date.now() / 1000);
  return { prometheus: PROMETHEUS, loki: LOKI, start: end - RANGE_S, end };
};

test('every panel query of every dashboard returns data after loadgen has run', async () => {
  const queries = generatedPanelQueries();
  const exceptions = noDataExceptions();
  for (const [panel, reason] of Object.entries(exceptions))
    console.log(`may show no data: ${panel} (${reason})`);
  await producePanelTraffic();
  // Series appear scrape by scrape (every 1 s) and the recording rules the forecasts read evaluate every
  // 1 s: poll, bounded, until every panel has data; then report what is still empty.
  const deadline = Date.now() + 90_000;
  let results: PanelData[];
  let failures: string[];
  for (;;) {
    results = await queryAllPanelData(queries, options());
    failures = panelDataFailures(results, exceptions);
    if (failures.length === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  const panels = new Set(results.map(panelKey));
  const dashboards = new Set(results.map((r) => r.dashboard));
  const empty = results.filter((r) => r.series === 0).map(panelKey);
  console.log(
    `${results.length} panel queries of ${panels.size} panels on ${dashboards.size} dashboards: ` +
      `${results.length - empty.length} with data, ${empty.length} empty (${[...new Set(empty)].join('; ') || 'none'})`,
  );
  assert.deepEqual(failures, [], `panels without data after loadgen ran:\n${failures.join('\n')}`);
  assert.ok(dashboards.size >= 8 && results.length > 40, `only ${results.length} queries`);
});

test('the check fails a panel whose metric name has a typo', async () => {
  const qps = generatedPanelQueries().find((q) => q.dashboard === 'opsight-gateway' && q.panel === 'QPS');
  assert.ok(qps);
  const typo = { ...qps, expr: qps.expr.replace('nginx_http_requests_total', 'nginx_http_request_total') };
  assert.notEqual(typo.expr, qps.expr);
  const [good, bad] = [await queryPanelData(qps, options()), await queryPanelData(typo, options())];
  assert.deepEqual(panelDataFailures([good]), []);
  assert.deepEqual(panelDataFailures([bad]), [
    `opsight-gateway / QPS: no data from prometheus query: ${typo.expr}`,
  ]);
});
