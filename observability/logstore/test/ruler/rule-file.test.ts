import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LIMITS } from '../../src/internal/limits.js';
import { QueryEngine } from '../../src/internal/logql/engine.js';
import { LogStorage } from '../../src/internal/storage/log-storage.js';
import {
  logqlMetricExprCheck,
  parseRuleFile,
  parseRuleGroup,
  RuleFileError,
} from '../../src/ruler/rule-file.js';

const checkExpr = logqlMetricExprCheck(
  new QueryEngine(new LogStorage({ dataDir: ':memory:' }), () => DEFAULT_LIMITS),
);
const read = (text: string) => parseRuleFile(text, { checkExpr, source: 'logs.yaml' });

function problems(text: string): string[] {
  try {
    read(text);
  } catch (e) {
    assert.ok(e instanceof RuleFileError);
    return e.message.split('\n');
  }
  assert.fail('the file was accepted');
}

const GOOD = `groups:
  - name: logs
    interval: 1m
    rules:
      - record: app:log_lines:rate5m
        expr: sum by (app) (rate({app=~".+"}[5m]))
      - alert: ModelRouterErrors
        expr: sum by (app) (rate({app="model-router", level="ERROR"}[5m])) > 1
        for: 5m
        keep_firing_for: 10m
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.app }} logs {{ $value | humanize }} errors/s"
`;

test('a rule file is read into groups and rules with their durations and positions', () => {
  const [group] = read(GOOD);
  assert.equal(group?.name, 'logs');
  assert.equal(group?.intervalMs, 60_000);
  assert.equal(group?.limit, 0);
  assert.deepEqual(group?.rules[0], {
    kind: 'record',
    name: 'app:log_lines:rate5m',
    expr: 'sum by (app) (rate({app=~".+"}[5m]))',
    labels: {},
    position: { line: 5, column: 9 },
  });
  const alert = group?.rules[1];
  assert.equal(alert?.kind, 'alert');
  if (alert?.kind !== 'alert') return;
  assert.equal(alert.forMs, 300_000);
  assert.equal(alert.keepFiringForMs, 600_000);
  assert.deepEqual(alert.labels, { severity: 'page' });
  assert.equal(alert.position.line, 7);
});

test('an expression that does not parse is refused naming the group, the rule (index and name) and the position', () => {
  const text = GOOD.replace('> 1', '> ');
  assert.deepEqual(problems(text), [
    'logs.yaml:8:77: group "logs", rule 2, "ModelRouterErrors": could not parse expression: parse error at line 1, col 63: syntax error: unexpected end of query',
  ]);
});

test('a parse error inside a literal block points at its line and column in the file', () => {
  const text = `groups:
  - name: logs
    rules:
      - alert: Multi
        expr: |
          sum by (app) (
            rate({app="x"} |= [5m])
          ) > 1
`;
  const [p] = problems(text);
  assert.match(
    p ?? '',
    /^logs\.yaml:7:31: group "logs", rule 1, "Multi": could not parse expression: parse error at line 2, col 21: /,
  );
});

test('a log query is refused: a rule needs samples', () => {
  const [p] = problems(GOOD.replace('sum by (app) (rate({app=~".+"}[5m]))', `'{app="x"} |= "error"'`));
  assert.match(
    p ?? '',
    /^logs\.yaml:6:15: group "logs", rule 1, "app:log_lines:rate5m": could not parse expression: a rule needs a metric query/,
  );
});

test('every problem of a file is reported, each with its place', () => {
  const text = `groups:
  - name: a
    rules:
      - record: "bad name"
        expr: count_over_time({app="x"}[1m])
        for: 5m
      - alert: X
        record: y
        expr: count_over_time({app="x"}[1m])
      - alert: Y
        expr: count_over_time({app="x"}[1m])
        for: five minutes
        labels:
          "bad-label": x
        annotations:
          summary: "{{ if $value }}x{{ end }}"
        severity: page
      - expr: count_over_time({app="x"}[1m])
  - name: a
    interval: 1x
    rules: []
  - name: ""
    rules:
      - alert: Z
`;
  assert.deepEqual(problems(text), [
    'logs.yaml:4:17: group "a", rule 1, "bad name": invalid recording rule name: bad name',
    'logs.yaml:6:14: group "a", rule 1, "bad name": invalid field \'for\' in recording rule',
    'logs.yaml:7:9: group "a", rule 2, "y": only one of \'record\' and \'alert\' must be set',
    'logs.yaml:17:9: group "a", rule 3, "": field severity not found in type rulefmt.Rule',
    'logs.yaml:12:14: group "a", rule 3, "Y": not a valid duration string: "five minutes"',
    'logs.yaml:14:11: group "a", rule 3, "Y": invalid label name: "bad-label"',
    'logs.yaml:16:20: group "a", rule 3, "Y": msg="template: annotations.summary:1:1: \\"if\\" actions are not supported in rule templates"',
    'logs.yaml:18:9: group "a", rule 4, "": one of \'record\' or \'alert\' must be set',
    'logs.yaml:20:15: group "a": not a valid duration string: "1x"',
    'logs.yaml:19:5: group "a": groupname: "a" is repeated in the same file',
    'logs.yaml:22:11: group "": groupname must not be empty',
    'logs.yaml:24:9: group "", rule 1, "Z": field \'expr\' must be set in rule',
  ]);
});

test('YAML that does not parse is refused with its position', () => {
  const [p] = problems('groups:\n  - name: a\n    rules: [\n');
  assert.match(p ?? '', /^logs\.yaml:\d+:\d+: YAML: /);
});

test("one group, the body of Loki's POST /loki/api/v1/rules/{namespace}, is read alone", () => {
  const group = parseRuleGroup(
    'name: g\nrules:\n  - alert: A\n    expr: count_over_time({app="x"}[1m]) > 0\n',
    { checkExpr },
  );
  assert.equal(group.rules[0]?.name, 'A');
  assert.throws(
    () => parseRuleGroup('name: g\nrules:\n  - alert: A\n    expr: "sum("\n', { checkExpr, source: 'POST' }),
    (e: Error) => /^POST:4:11: group "g", rule 1, "A": could not parse expression: /.test(e.message),
  );
});

test('an empty file has no groups; a limit is read', () => {
  assert.deepEqual(read(''), []);
  assert.equal(read('groups:\n  - name: g\n    limit: 10\n    rules: []\n')[0]?.limit, 10);
});
