import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { formatRuleTestResult, ruleTestPassed, runRuleTestFile } from '../../src/ruler/rule-test-runner.js';

const dir = mkdtempSync(join(tmpdir(), 'rule-tests-'));
after(() => rmSync(dir, { recursive: true, force: true }));

writeFileSync(
  join(dir, 'rules.yaml'),
  `groups:
  - name: logs
    rules:
      - record: app:log_lines:count1m
        expr: sum by (app) (count_over_time({app=~".+"}[1m]))
      - alert: RouterErrors
        expr: sum by (app) (count_over_time({app="router", level="ERROR"}[1m])) > 2
        for: 2m
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.app }}: {{ $value }} errors in a minute"
      - alert: Denied
        expr: sum by (user_id) (count_over_time({app="api"} | json | status="401" [1m])) > 1
        labels:
          severity: ticket
        annotations:
          summary: "user {{ $labels.user_id }} denied {{ $value }} times"
`,
);

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const PASSING = `rule_files: [rules.yaml]
evaluation_interval: 1m
tests:
  - name: errors burst from 1m
    interval: 1m
    input_streams:
      - stream: '{app="router", level="ERROR"}'
        values: '_ 3x5'
        lines: ['{"message":"upstream failed"}']
      - stream: '{app="api", level="WARN"}'
        values: '0 4x5'
        lines:
          - '{"user_id":"u1","status":401}'
          - '{"user_id":"u2","status":200}'
    logql_expr_test:
      - expr: app:log_lines:count1m
        eval_time: 2m
        exp_samples:
          - labels: 'app:log_lines:count1m{app="router"}'
            value: 3
          - labels: 'app:log_lines:count1m{app="api"}'
            value: 4
      - expr: sum(count_over_time({app="api"} |= "u1" [5m]))
        eval_time: 3m
        exp_samples:
          - labels: '{}'
            value: 6
    alert_rule_test:
      - eval_time: 2m
        alertname: RouterErrors
        exp_alerts: []
      - eval_time: 3m
        alertname: RouterErrors
        exp_alerts:
          - exp_labels: { app: router, severity: page }
            exp_annotations: { summary: "router: 3 errors in a minute" }
      - eval_time: 1m
        alertname: Denied
        exp_alerts:
          - exp_labels: { user_id: u1, severity: ticket }
            exp_annotations: { summary: "user u1 denied 2 times" }
  - name: healthy
    input_streams:
      - stream: '{app="router", level="ERROR"}'
        values: '2x10'
    alert_rule_test:
      - eval_time: 10m
        alertname: RouterErrors
        exp_alerts: []
`;

test('a test file whose expectations hold passes: streams, recorded samples, alerts at the for: edge', async () => {
  const result = await runRuleTestFile(file('pass.yaml', PASSING));
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.failures, []);
  assert.equal(result.tests, 2);
  assert.equal(result.checks, 6);
  assert.ok(ruleTestPassed(result));
  assert.equal(formatRuleTestResult(result), `Unit Testing:  ${result.file}\n  SUCCESS\n`);
});

test('differences are reported as promtool reports them, with what was expected and what came', async () => {
  const failing = PASSING.replace(
    'eval_time: 2m\n        alertname: RouterErrors\n        exp_alerts: []',
    'eval_time: 2m\n        alertname: RouterErrors\n        exp_alerts:\n          - exp_labels: { app: router, severity: page }',
  ).replace('value: 6', 'value: 7');
  const result = await runRuleTestFile(file('fail.yaml', failing));
  assert.equal(ruleTestPassed(result), false);
  assert.equal(
    formatRuleTestResult(result),
    `Unit Testing:  ${result.file}
  FAILED:
  errors burst from 1m:
    expr: "sum(count_over_time({app=\\"api\\"} |= \\"u1\\" [5m]))", time: 3m,
        exp: {} 7
        got: {} 6
  errors burst from 1m:
    alertname: RouterErrors, time: 2m, 
        exp:[
            0:
              Labels:{alertname="RouterErrors", app="router", severity="page"}
              Annotations:{}
            ], 
        got:[]
`,
  );
});

test('a bad test file is refused whole, each problem naming its field', async () => {
  const result = await runRuleTestFile(
    file(
      'bad.yaml',
      `rule_files: [rules.yaml]
tests:
  - input_series:
      - series: up
        values: 1
    input_streams:
      - stream: 'app="x"'
        values: '1 two'
    alert_rule_test:
      - eval_time: soon
        alertname: RouterErrors
        exp_alerts:
          - exp_lables: {}
`,
    ),
  );
  assert.equal(result.tests, 0);
  assert.deepEqual(
    result.errors.map((e) => e.slice(result.file.length + 1)),
    [
      '3:5: tests[0].input_series: LogQL rule tests take input_streams (label sets and lines), not input_series',
      '7:17: tests[0].input_streams[0].stream: not a label set like {app="api-service", level="WARN"}: 1:1: parse error: unexpected input, expected {',
      '8:17: tests[0].input_streams[0].values: cannot read "two": expected N, _, NxK, A+BxK, A-BxK or _xK (whole numbers)',
      '13:13: tests[0].alert_rule_test[0].exp_alerts[0].exp_lables: unknown field (expected one of exp_labels, exp_annotations)',
      '10:20: tests[0].alert_rule_test[0].eval_time: not a duration: "soon" (e.g. 5m, 1h30m, 30s)',
    ],
  );
});

test('a rule file that does not load fails the test file with its problems', async () => {
  file('broken-rules.yaml', 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum(\n');
  const result = await runRuleTestFile(
    file('uses-broken.yaml', 'rule_files: [broken-rules.yaml]\ntests: []\n'),
  );
  assert.equal(result.errors.length, 1);
  assert.match(
    result.errors[0] ?? '',
    /^broken-rules\.yaml:5:19: group "g", rule 1, "A": could not parse expression: /,
  );
  const missing = await runRuleTestFile(file('uses-missing.yaml', 'rule_files: [nope.yaml]\ntests: []\n'));
  assert.match(missing.errors[0] ?? '', /^cannot read rule file nope\.yaml: /);
});

test('external labels reach templates; group_eval_order must name loaded groups', async () => {
  file(
    'ext-rules.yaml',
    `groups:
  - name: ext
    rules:
      - alert: Any
        expr: count_over_time({app="x"}[1m]) > 0
        annotations:
          where: "{{ $externalLabels.cluster }}"
`,
  );
  const ok = await runRuleTestFile(
    file(
      'ext.yaml',
      `rule_files: [ext-rules.yaml]
group_eval_order: [ext]
tests:
  - external_labels: { cluster: eu-1 }
    input_streams: [{ stream: '{app="x"}', values: '1' }]
    alert_rule_test:
      - eval_time: 0m
        alertname: Any
        exp_alerts: [{ exp_labels: { app: x }, exp_annotations: { where: eu-1 } }]
`,
    ),
  );
  assert.deepEqual([ok.errors, ok.failures], [[], []]);
  const bad = await runRuleTestFile(
    file('order.yaml', 'rule_files: [ext-rules.yaml]\ngroup_eval_order: [nope]\ntests: []\n'),
  );
  assert.match(bad.errors[0] ?? '', /group_eval_order names group "nope", which no rule file has/);
});
