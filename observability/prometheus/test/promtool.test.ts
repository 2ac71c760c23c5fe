import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PromtoolError, promtool } from '../src/promtool.js';
import { renderRuleFile } from '../src/render/render-rules.js';
import { renderTestFile } from '../src/render/render-tests.js';
import type { RuleFile } from '../src/rule.js';
import { RULE_FILES } from '../src/rule-files.js';

const dir = fileURLToPath(new URL('../../', import.meta.url));

test('promtool check rules accepts every rule file', () => {
  const out = promtool(['check', 'rules', ...RULE_FILES.map((f) => join(dir, 'rules', f.file))]);
  assert.match(out, /SUCCESS/);
});

test('promtool test rules passes every rule test (recording samples; alerts before, at and without their for:)', () => {
  const out = promtool(['test', 'rules', ...RULE_FILES.map((f) => f.file)], join(dir, 'tests'));
  assert.doesNotMatch(out, /FAILED/);
});

function withTemp<T>(fn: (tmp: string) => T): T {
  const tmp = mkdtempSync(join(tmpdir(), 'opsight-rules-'));
  try {
    return fn(tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

test("a typo in a rule source fails with promtool's message", () => {
  const broken: RuleFile = {
    file: 'broken.yml',
    title: 'A rule with a typo',
    groups: [
      {
        name: 'broken',
        recording: [
          { record: 'cluster:x:rate1m', expr: 'sum(rate(nginx_http_requests_total[1m])', expect: [] },
        ],
      },
    ],
  };
  withTemp((tmp) => {
    const file = join(tmp, 'broken.yml');
    writeFileSync(file, renderRuleFile(broken));
    assert.throws(
      () => promtool(['check', 'rules', file]),
      (e: unknown) => e instanceof PromtoolError && /unclosed left parenthesis/.test(e.message),
    );
  });
});

test('a wrong expectation fails promtool test rules with the value it got', () => {
  const [first] = RULE_FILES.filter((f) => f.file === 'mappings.yml');
  assert.ok(first);
  const group = first.groups[0]!;
  const wrong: RuleFile = {
    ...first,
    groups: [
      {
        ...group,
        recording: group.recording!.map((r, i) =>
          i === 0 ? { ...r, expect: [{ labels: r.expect[0]!.labels, value: 1 }] } : r,
        ),
      },
    ],
  };
  withTemp((tmp) => {
    const rules = join(tmp, 'rules');
    const tests = join(tmp, 'tests');
    mkdirSync(rules);
    mkdirSync(tests);
    writeFileSync(join(rules, wrong.file), renderRuleFile(wrong));
    writeFileSync(join(tests, wrong.file), renderTestFile(wrong, [wrong]));
    assert.throws(
      () => promtool(['test', 'rules', wrong.file], tests),
      (e: unknown) => e instanceof PromtoolError && /got: \{[^}]*gpu="0"[^}]*\} 8\.7E\+01/.test(e.message),
    );
  });
});

test('the fast variant (OPSIGHT_FAST=1) has every for: in seconds and passes promtool check rules', () => {
  withTemp((tmp) => {
    const files = RULE_FILES.map((f) => {
      const path = join(tmp, f.file);
      writeFileSync(path, renderRuleFile(f, { fast: true }));
      return path;
    });
    assert.match(promtool(['check', 'rules', ...files]), /SUCCESS/);
    const alerts = RULE_FILES.find((f) => f.file === 'alerts.yml')!;
    const text = renderRuleFile(alerts, { fast: true });
    assert.match(text, /- alert: ServiceDown\n {8}expr: up == 0\n {8}for: 1s/);
    assert.doesNotMatch(text, /for: \d+m/);
  });
});
