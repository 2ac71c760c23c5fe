// Error, failure and SLO panels show 0, not "No data", on a healthy stack: every such panel's query is
// zero-filled (a unit check over the rendered dashboards), and promtool, Prometheus's own engine,
// evaluates each of them over a healthy set of series (requests, calls and inferences, no failure at
// all) and gets 0 (100 % for availability and budget) where the query as written has no series.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { grpcServerHandledTotal, modelInferenceSuccessTotal, nginxHttpRequestsTotal } from '@opsight/catalog';
import { GATEWAY_QUERIES } from '../src/dashboards/gateway.js';
import { interpolate } from '../src/queries.js';
import { renderDashboards } from '../src/render.js';
import { errorRatio } from '../src/slo.js';
import { orZeroWhere, ZERO_FILL } from '../src/zero-fill.js';

interface PanelJson {
  type?: string;
  title?: string;
  description?: string;
  targets?: { expr?: string }[];
}

/** What makes a panel an error, failure or SLO panel: its dashboard, or what its title or description says. */
const FAILURE_WORDS = /\berror|\bfail|5xx|burn rate|budget|availability/i;

/** Every query of every error, failure or SLO panel that shows numbers (log line panels show lines). */
const failurePanels = renderDashboards().flatMap((f) => {
  const d = JSON.parse(f.text) as { uid: string; panels?: PanelJson[] };
  return (d.panels ?? [])
    .filter((p) => p.type !== 'logs' && p.type !== 'row')
    .filter((p) => d.uid === 'opsight-slos' || FAILURE_WORDS.test(`${p.title ?? ''} ${p.description ?? ''}`))
    .flatMap((p) =>
      (p.targets ?? []).map((t, i) => ({ key: `${d.uid} / ${p.title} #${i}`, expr: t.expr ?? '' })),
    );
});

test('orZeroWhere keeps the query as written and adds a zero-valued copy of its base', () => {
  assert.equal(orZeroWhere('sum(a) / sum(b)', 'sum(b)'), '(sum(a) / sum(b)) or (0 * sum(b))');
  assert.equal(
    orZeroWhere('sum by (m, c) (a)', 'sum by (m) (b)', ['m']),
    '(sum by (m, c) (a)) or on (m) (0 * sum by (m) (b))',
  );
  assert.match(orZeroWhere('x', 'y'), ZERO_FILL);
  assert.doesNotMatch('sum(a) or vector(1)', ZERO_FILL);
});

test('every query of every error, failure and SLO panel is zero-filled', () => {
  // Gateway 5xx (2), gRPC errors, failed inferences, failure ratio, availability, budget, burn rates (1 + 6).
  assert.equal(failurePanels.length, 14, failurePanels.map((p) => p.key).join('\n'));
  for (const p of failurePanels) assert.match(p.expr, ZERO_FILL, `${p.key}: ${p.expr}`);
  // The strategy's query is inside, as written.
  const gateway = failurePanels.filter((p) => p.key.startsWith('opsight-gateway'));
  for (const p of gateway) assert.ok(p.expr.startsWith(`(${GATEWAY_QUERIES.errorRate}) or `), p.expr);
});

/** The value each panel shows on a healthy stack, by panel key: labels (promtool's notation) and value. */
const HEALTHY: Record<string, { labels: string; value: number }[]> = {
  'opsight-gateway / 5xx rate #0': [{ labels: '{}', value: 0 }],
  'opsight-gateway / 5xx error rate #0': [{ labels: '{}', value: 0 }],
  'opsight-core-services / gRPC errors by code #0': [
    { labels: '{grpc_method="Route"}', value: 0 },
    { labels: '{grpc_method="ListModels"}', value: 0 },
  ],
  'opsight-model-serving / Failed inferences by reason #0': [
    { labels: '{model_name="chat-fast"}', value: 0 },
  ],
  'opsight-model-serving / Failure ratio #0': [{ labels: '{model_name="chat-fast"}', value: 0 }],
  'opsight-slos / Availability (30d) #0': [{ labels: '{}', value: 1 }],
  'opsight-slos / Error budget remaining #0': [{ labels: '{}', value: 1 }],
  'opsight-slos / Burn rate (1h) #0': [{ labels: '{}', value: 0 }],
  ...Object.fromEntries(
    [0, 1, 2, 3, 4, 5].map((i) => [`opsight-slos / Burn rates #${i}`, [{ labels: '{}', value: 0 }]]),
  ),
};

test('on a healthy set of series, promtool evaluates every failure panel to 0 (100 % availability)', () => {
  assert.deepEqual(Object.keys(HEALTHY).sort(), failurePanels.map((p) => p.key).sort());
  const grpc = (method: string) =>
    `${grpcServerHandledTotal.name}{grpc_type="unary",grpc_service="opsight.router.v1.ModelRouter",grpc_method="${method}",grpc_code="OK"}`;
  const healthy = [
    // One request, call and inference a second for an hour, every one a success.
    { series: `${nginxHttpRequestsTotal.name}{host="gateway",status="200"}`, values: '0+60x60' },
    { series: grpc('Route'), values: '0+60x60' },
    { series: grpc('ListModels'), values: '0+6x60' },
    { series: `${modelInferenceSuccessTotal.name}{model_name="chat-fast"}`, values: '0+60x60' },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'opsight-zero-panels-'));
  try {
    const file = join(dir, 'zero-panels.test.yml');
    writeFileSync(
      file,
      JSON.stringify({
        rule_files: [],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: healthy,
            promql_expr_test: [
              // The strategy's query as written has no series here: what "No data" was.
              { expr: GATEWAY_QUERIES.errorRate, eval_time: '60m', exp_samples: [] },
              { expr: errorRatio('30d'), eval_time: '60m', exp_samples: [] },
              ...failurePanels.map((p) => ({
                expr: interpolate(p.expr),
                eval_time: '60m',
                exp_samples: HEALTHY[p.key],
              })),
            ],
          },
        ],
      }),
    );
    const r = spawnSync(process.env.PROMTOOL ?? '/usr/bin/promtool', ['test', 'rules', file], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
