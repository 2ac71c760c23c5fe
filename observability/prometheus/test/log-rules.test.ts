import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LOG_STREAM_LABELS } from '@opsight/catalog';
import { DEFAULT_LIMITS, LogStorage, QueryEngine } from '@opsight/logstore';
import {
  formatRuleTestResult,
  logqlMetricExprCheck,
  parseRuleFile,
  ruleTestPassed,
  runRuleTestFile,
} from '@opsight/logstore/ruler';
import { parse } from 'yaml';
import { allLogAlerts, LOG_RULE_FILES } from '../src/log-rule-files.js';
import { LOG_RULE_TESTS_DIR, logRuleFilePaths, renderLogRuleFile } from '../src/render/render-log-rules.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const checkExpr = logqlMetricExprCheck(
  new QueryEngine(new LogStorage({ dataDir: ':memory:' }), () => DEFAULT_LIMITS),
);

test('every shipped LogQL rule passes its unit tests (opsight rules test)', async () => {
  for (const file of LOG_RULE_FILES) {
    const result = await runRuleTestFile(join(root, LOG_RULE_TESTS_DIR, `${file.namespace}.yaml`));
    assert.ok(ruleTestPassed(result), formatRuleTestResult(result));
    const rules = file.groups.flatMap((g) => [...(g.recording ?? []), ...(g.alerts ?? [])]).length;
    assert.ok(result.checks >= rules, `${result.checks} checks for ${rules} rules`);
  }
});

test('every log alert is tested silent before its for: edge, firing at it, and silent when healthy', () => {
  for (const file of LOG_RULE_FILES) {
    const doc = parse(readFileSync(join(root, LOG_RULE_TESTS_DIR, `${file.namespace}.yaml`), 'utf8')) as {
      tests: {
        input_streams: unknown[];
        alert_rule_test?: { eval_time: string; alertname: string; exp_alerts: unknown[] }[];
      }[];
    };
    for (const rule of file.groups.flatMap((g) => g.alerts ?? [])) {
      const firesAt = rule.fixture.trueFromMinutes + rule.forMinutes;
      const checks = doc.tests.flatMap((t) =>
        (t.alert_rule_test ?? []).filter((a) => a.alertname === rule.alert),
      );
      const at = (minute: number, firing: boolean) =>
        checks.some((c) => c.eval_time === `${minute}m` && c.exp_alerts.length > 0 === firing);
      assert.ok(firesAt >= 1, `${rule.alert}: the firing fixture must leave a minute before it fires`);
      assert.ok(at(firesAt - 1, false), `${rule.alert}: silent at ${firesAt - 1}m`);
      assert.ok(at(firesAt, true), `${rule.alert}: firing at ${firesAt}m`);
      assert.ok(at(firesAt, false), `${rule.alert}: a healthy input at ${firesAt}m`);
    }
  }
});

test('the rendered rules load in the store (LogQL metric queries) and every copy is the same', () => {
  for (const file of LOG_RULE_FILES) {
    const copies = logRuleFilePaths(file).map((p) => readFileSync(join(root, p), 'utf8'));
    for (const copy of copies) assert.equal(copy, copies[0]);
    const groups = parseRuleFile(copies[0] ?? '', { checkExpr, source: file.namespace });
    assert.deepEqual(
      groups.map((g) => g.name),
      file.groups.map((g) => g.name),
    );
    // Production Loki reads <tenant>/<namespace>.yaml; the local store the same layout.
    assert.deepEqual(
      logRuleFilePaths(file).map((p) => p.split('/').slice(-2).join('/')),
      [`opsight/${file.namespace}.yaml`, `fake/${file.namespace}.yaml`, `opsight/${file.namespace}.yaml`],
    );
  }
});

test('log rules select streams by shipped stream labels only: request ids and users are never labels', () => {
  const selectable = new Set(LOG_STREAM_LABELS);
  for (const file of LOG_RULE_FILES) {
    for (const rule of file.groups.flatMap((g) => [...(g.recording ?? []), ...(g.alerts ?? [])])) {
      for (const selector of rule.expr.matchAll(/\{([^{}]*)\}/g)) {
        for (const m of (selector[1] ?? '').matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)) {
          assert.ok(selectable.has(m[1] ?? ''), `${rule.expr}: ${m[1]} is not a stream label`);
        }
      }
    }
  }
  const auth = allLogAlerts().find((a) => a.alert === 'ApiAuthFailuresByUser');
  assert.match(auth?.expr ?? '', /\| json user_id, status \|/, 'user_id comes from the JSON line');
});

test('every log alert has a severity, a summary, a description with its value, a runbook and source: logs', () => {
  for (const a of allLogAlerts()) {
    assert.ok(['page', 'ticket'].includes(a.severity), a.alert);
    assert.ok(a.summary.length > 0 && a.description.includes('{{ $value'), a.alert);
    assert.ok(existsSync(join(root, 'observability/runbooks', `${a.alert}.md`)), `runbook of ${a.alert}`);
  }
  const rendered = parse(renderLogRuleFile(LOG_RULE_FILES[0]!)) as {
    groups: { rules: { alert?: string; labels?: Record<string, string> }[] }[];
  };
  for (const r of rendered.groups.flatMap((g) => g.rules).filter((r) => r.alert))
    assert.equal(r.labels?.source, 'logs', r.alert);
});

test('the fast variant keeps the rules and counts for: in seconds, every group each second', () => {
  const fast = parse(renderLogRuleFile(LOG_RULE_FILES[0]!, { fast: true })) as {
    groups: { interval: string; rules: { alert?: string; for?: string }[] }[];
  };
  assert.ok(fast.groups.every((g) => g.interval === '1s'));
  const forOf = (name: string) => fast.groups.flatMap((g) => g.rules).find((r) => r.alert === name)?.for;
  assert.equal(forOf('ModelRouterErrorLogs'), '5s');
});
