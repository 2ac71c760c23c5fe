// Runs rule test files as promtool runs its own: for each test, the input streams go into an in-memory log
// store, every rule group is evaluated at each `evaluation_interval` from 0 to the last alert test's
// eval_time, and the firing alerts of each alert test's rule are compared with `exp_alerts` at its
// eval_time; each `logql_expr_test` is an instant query compared with `exp_samples`.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { formatLabels, type Labels } from '../internal/labels.js';
import { DEFAULT_LIMITS } from '../internal/limits.js';
import { QueryEngine } from '../internal/logql/engine.js';
import { LogStorage } from '../internal/storage/log-storage.js';
import { goFloat } from './go-format.js';
import { GroupEvaluator, type VectorSample } from './group-evaluator.js';
import { formatPromDuration } from './prom-duration.js';
import { logqlMetricExprCheck, parseRuleFile, RuleFileError, type RuleGroupDef } from './rule-file.js';
import {
  type AlertTest,
  type ExpectedSample,
  parseRuleTestFile,
  type RuleTestCase,
  RuleTestFileError,
} from './rule-test-file.js';

/**
 * Where a test's time 0 is in the store: tests count from 0 as promtool's do, and the lines of a step end
 * at the step (the ones before its last lie a nanosecond apart before it), so step 0 needs room before it.
 * Times shown (eval_time, ALERTS_FOR_STATE) are relative to it.
 */
const TEST_EPOCH_MS = Date.UTC(2020, 0, 1);
const TENANT = 'rules-test';
/** promtool's tolerance: values equal within a relative 1e-6. */
const EPSILON = 1e-6;

/** One failed check of a test. */
export interface RuleTestFailure {
  /** The test's name, or `tests[i]`. */
  readonly test: string;
  /** What differed, in promtool's words. */
  readonly message: string;
}

/** The outcome of one test file. */
export interface RuleTestFileResult {
  readonly file: string;
  /** The file or its rule files could not be used: nothing ran. */
  readonly errors: readonly string[];
  readonly failures: readonly RuleTestFailure[];
  /** Tests run, and checks made (expression and alert tests). */
  readonly tests: number;
  readonly checks: number;
}

/** True when nothing failed. */
export const ruleTestPassed = (r: RuleTestFileResult) => r.errors.length === 0 && r.failures.length === 0;

/** Runs one test file; rule files are read relative to it. */
export async function runRuleTestFile(file: string): Promise<RuleTestFileResult> {
  const fail = (errors: string[]): RuleTestFileResult => ({
    file,
    errors,
    failures: [],
    tests: 0,
    checks: 0,
  });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return fail([`cannot read ${file}: ${(e as Error).message}`]);
  }
  let spec: ReturnType<typeof parseRuleTestFile>;
  try {
    spec = parseRuleTestFile(text, file);
  } catch (e) {
    if (e instanceof RuleTestFileError) return fail(e.problems.map((p) => `${file}:${p}`));
    throw e;
  }
  const parser = new QueryEngine(new LogStorage({ dataDir: ':memory:' }), () => DEFAULT_LIMITS);
  const checkExpr = logqlMetricExprCheck(parser);
  const groups: RuleGroupDef[] = [];
  const errors: string[] = [];
  for (const ruleFile of spec.ruleFiles) {
    const path = resolve(dirname(file), ruleFile);
    try {
      groups.push(...parseRuleFile(readFileSync(path, 'utf8'), { checkExpr, source: ruleFile }));
    } catch (e) {
      if (e instanceof RuleFileError) errors.push(e.message);
      else errors.push(`cannot read rule file ${ruleFile}: ${(e as Error).message}`);
    }
  }
  for (const name of spec.groupEvalOrder) {
    if (!groups.some((g) => g.name === name))
      errors.push(`${file}: group_eval_order names group ${JSON.stringify(name)}, which no rule file has`);
  }
  if (errors.length) return fail(errors);
  const order = (g: RuleGroupDef) => {
    const i = spec.groupEvalOrder.indexOf(g.name);
    return i === -1 ? spec.groupEvalOrder.length : i;
  };
  const ordered = [...groups].sort((a, b) => order(a) - order(b));
  const failures: RuleTestFailure[] = [];
  let checks = 0;
  for (const [i, test] of spec.tests.entries()) {
    const name = test.name || `tests[${i}]`;
    checks += test.exprTests.length + test.alertTests.length;
    for (const message of await runTest(test, ordered, spec.evaluationIntervalMs))
      failures.push({ test: name, message });
  }
  return { file, errors: [], failures, tests: spec.tests.length, checks };
}

async function runTest(
  test: RuleTestCase,
  groups: RuleGroupDef[],
  evalIntervalMs: number,
): Promise<string[]> {
  const storage = new LogStorage({ dataDir: ':memory:' });
  try {
    const engine = new QueryEngine(storage, () => DEFAULT_LIMITS);
    ingest(storage, test);
    const query = async (expr: string, timeMs: number): Promise<VectorSample[]> => {
      const at = BigInt(timeMs) * 1_000_000n;
      const { data } = await engine.run(TENANT, {
        query: expr,
        start: at,
        end: at,
        step: 0n,
        limit: 100,
        direction: 'backward',
        instant: true,
      });
      if (data.resultType === 'vector')
        return data.result.map((s) => ({ labels: s.metric, value: Number(s.value[1]) }));
      if (data.resultType === 'scalar') return [{ labels: {}, value: Number(data.result[1]) }];
      throw new Error(`expected a vector, the query gave ${data.resultType}`);
    };
    const failures: string[] = [];
    const evaluators = groups.map(
      (g) =>
        new GroupEvaluator(g, { query, externalLabels: test.externalLabels, externalUrl: test.externalUrl }),
    );
    const recorded = new Map(
      groups.flatMap((g, gi) =>
        g.rules.flatMap((r) => (r.kind === 'record' ? [[r.name, { group: gi, rule: r }] as const] : [])),
      ),
    );

    for (const t of test.exprTests) {
      let got: VectorSample[];
      const known = recorded.get(t.expr.trim());
      try {
        if (known) {
          // A recording rule's name reads back what the rule writes at that time, as promtool reads its storage.
          const alone = new GroupEvaluator({ ...groups[known.group]!, rules: [known.rule] }, { query });
          const evaluation = await alone.evaluate(TEST_EPOCH_MS + t.evalTimeMs);
          if (evaluation.failures.length) throw new Error(evaluation.failures[0]!.error);
          got = evaluation.samples.map((s) => ({ labels: s.labels, value: s.value }));
        } else {
          got = await query(t.expr, TEST_EPOCH_MS + t.evalTimeMs);
        }
      } catch (e) {
        failures.push(
          `    expr: ${JSON.stringify(t.expr)}, time: ${formatPromDuration(t.evalTimeMs)}, err: ${(e as Error).message}`,
        );
        continue;
      }
      if (!sameSamples(t.expSamples, got)) {
        failures.push(
          `    expr: ${JSON.stringify(t.expr)}, time: ${formatPromDuration(t.evalTimeMs)},\n        exp: ${samplesText(t.expSamples)}\n        got: ${samplesText(got)}`,
        );
      }
    }

    const alertTests = [...test.alertTests].sort((a, b) => a.evalTimeMs - b.evalTimeMs);
    const last = alertTests.at(-1)?.evalTimeMs;
    if (last === undefined) return failures;
    let next = 0;
    for (let ts = 0; ts <= last; ts += evalIntervalMs) {
      for (const ev of evaluators) {
        const evaluation = await ev.evaluate(TEST_EPOCH_MS + ts);
        for (const f of evaluation.failures) {
          failures.push(
            `    group ${JSON.stringify(ev.group.name)}, rule ${JSON.stringify(f.rule.name)}, time: ${formatPromDuration(ts)}: ${f.error}`,
          );
        }
      }
      // An alert test at eval_time is checked against the evaluation at the step it falls in, as promtool does.
      while (next < alertTests.length && alertTests[next]!.evalTimeMs < ts + evalIntervalMs) {
        const failure = checkAlerts(alertTests[next]!, evaluators);
        if (failure) failures.push(failure);
        next++;
      }
    }
    return failures;
  } finally {
    storage.close();
  }
}

function ingest(storage: LogStorage, test: RuleTestCase): void {
  const intervalNs = BigInt(test.intervalMs) * 1_000_000n;
  const epochNs = BigInt(TEST_EPOCH_MS) * 1_000_000n;
  const batch = test.inputStreams.map((s) => {
    const entries: { ts: bigint; line: string }[] = [];
    let written = 0;
    s.counts.forEach((count, step) => {
      const at = epochNs + BigInt(step) * intervalNs;
      for (let k = 0; k < count; k++) {
        entries.push({ ts: at - BigInt(count - 1 - k), line: s.lines[written % s.lines.length]! });
        written++;
      }
    });
    return { labels: s.labels, entries };
  });
  storage.append(TENANT, batch);
}

function checkAlerts(t: AlertTest, evaluators: GroupEvaluator[]): string | undefined {
  const got = evaluators
    .flatMap((ev) => ev.activeAlerts(t.alertname))
    .filter((a) => a.state === 'firing')
    .map((a) => ({ labels: a.labels, annotations: a.annotations }));
  const exp = t.expAlerts.map((a) => ({
    labels: { ...a.labels, alertname: t.alertname },
    annotations: a.annotations,
  }));
  const key = (a: { labels: Labels; annotations: Labels }) =>
    `${formatLabels(a.labels)} ${formatLabels(a.annotations)}`;
  const gotKeys = got.map(key).sort();
  const expKeys = exp.map(key).sort();
  if (gotKeys.length === expKeys.length && gotKeys.every((k, i) => k === expKeys[i])) return undefined;
  const list = (alerts: { labels: Labels; annotations: Labels }[]) =>
    alerts.length === 0
      ? '[]'
      : `[\n${[...alerts]
          .sort((a, b) => key(a).localeCompare(key(b)))
          .map(
            (a, i) =>
              `            ${i}:\n              Labels:${formatLabels(a.labels)}\n              Annotations:${formatLabels(a.annotations)}`,
          )
          .join('\n')}\n            ]`;
  return `    alertname: ${t.alertname}, time: ${formatPromDuration(t.evalTimeMs)}, \n        exp:${list(exp)}, \n        got:${list(got)}`;
}

function sameValue(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  return Math.abs(a - b) <= EPSILON * Math.max(Math.abs(a), Math.abs(b));
}

function sameSamples(exp: readonly ExpectedSample[], got: readonly VectorSample[]): boolean {
  if (exp.length !== got.length) return false;
  const byKey = new Map(got.map((g) => [formatLabels(g.labels), g.value]));
  return exp.every((e) => {
    const v = byKey.get(formatLabels(e.labels));
    return v !== undefined && sameValue(e.value, v);
  });
}

function seriesText(labels: Labels): string {
  const { __name__: name = '', ...rest } = labels;
  return `${name}${formatLabels(rest)}`;
}

function samplesText(samples: readonly { labels: Labels; value: number }[]): string {
  if (samples.length === 0) return '_';
  return [...samples]
    .map((s) => `${seriesText(s.labels)} ${goFloat(s.value)}`)
    .sort()
    .join(', ');
}

/** promtool's report of one file: `Unit Testing:  <file>`, then `  SUCCESS` or `  FAILED:` and each failure. */
export function formatRuleTestResult(result: RuleTestFileResult): string {
  const out = [`Unit Testing:  ${result.file}`];
  if (result.errors.length) {
    out.push('  FAILED:', ...result.errors.map((e) => e.replace(/^/gm, '    ')));
  } else if (result.failures.length) {
    out.push('  FAILED:');
    for (const f of result.failures) out.push(`  ${f.test}:`, f.message);
  } else {
    out.push('  SUCCESS');
  }
  return `${out.join('\n')}\n`;
}
