// Rule test files: promtool's test-file shape for LogQL rules. See the README ("Unit tests for LogQL
// rules") for the format. A file that does not fit is refused whole with every problem, each naming its
// field (`tests[0].alert_rule_test[1].eval_time`) and its position.
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { LabelSyntaxError, type Labels, parseLabelSet } from '../internal/labels.js';
import { expandLineCounts, LineCountError } from './line-counts.js';
import { parsePromDuration } from './prom-duration.js';

/** An input stream: a label set, and lines at each step. */
export interface InputStream {
  readonly labels: Labels;
  /** Lines written at each step (step i is at i × interval). */
  readonly counts: readonly number[];
  /** The lines' text, used in turn. */
  readonly lines: readonly string[];
}

/** An expected sample: labels (with `__name__` when the text names a metric) and a value. */
export interface ExpectedSample {
  readonly labels: Labels;
  readonly value: number;
}

export interface ExprTest {
  readonly expr: string;
  readonly evalTimeMs: number;
  readonly expSamples: readonly ExpectedSample[];
}

export interface ExpectedAlert {
  readonly labels: Labels;
  readonly annotations: Labels;
}

export interface AlertTest {
  readonly evalTimeMs: number;
  readonly alertname: string;
  readonly expAlerts: readonly ExpectedAlert[];
}

export interface RuleTestCase {
  readonly name: string;
  readonly intervalMs: number;
  readonly externalLabels: Labels;
  readonly externalUrl: string;
  readonly inputStreams: readonly InputStream[];
  readonly exprTests: readonly ExprTest[];
  readonly alertTests: readonly AlertTest[];
}

export interface RuleTestFile {
  /** Rule files, as written (relative to the test file). */
  readonly ruleFiles: readonly string[];
  readonly evaluationIntervalMs: number;
  /** Group names in the order they are evaluated at each step; others follow in file order. */
  readonly groupEvalOrder: readonly string[];
  readonly tests: readonly RuleTestCase[];
}

/** A test file that cannot be used; `problems` name each field. */
export class RuleTestFileError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(problems.map((p) => `${source}:${p}`).join('\n'));
    this.name = 'RuleTestFileError';
  }
}

/** The line written when a stream gives no `lines`. */
export const DEFAULT_LINE = 'log line';
const DEFAULT_INTERVAL_MS = 60_000;

class Reader {
  readonly problems: string[] = [];
  readonly lines = new LineCounter();

  fail(node: Node | null | undefined, path: string, message: string): void {
    const pos = this.lines.linePos(node?.range?.[0] ?? 0);
    this.problems.push(`${pos.line}:${pos.col}: ${path}: ${message}`);
  }

  map(
    node: Node | null | undefined,
    path: string,
    allowed: readonly string[],
    hints: Record<string, string> = {},
  ) {
    const out = new Map<string, Node | null>();
    if (!isMap(node)) {
      this.fail(node, path, 'must be a map');
      return out;
    }
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const at = path ? `${path}.${key}` : key;
      if (!allowed.includes(key))
        this.fail(
          pair.key as Node,
          at,
          hints[key] ?? `unknown field (expected one of ${allowed.join(', ')})`,
        );
      else out.set(key, (pair.value as Node | null) ?? null);
    }
    return out;
  }

  list(node: Node | null | undefined, path: string): Node[] {
    if (node === undefined || node === null) return [];
    if (!isSeq(node)) {
      this.fail(node, path, 'must be a list');
      return [];
    }
    return node.items as Node[];
  }

  string(node: Node | null | undefined, path: string, required = false): string | undefined {
    if (node === undefined || node === null) {
      if (required) this.fail(node, path, 'is required');
      return undefined;
    }
    if (!isScalar(node) || typeof node.value === 'object') {
      this.fail(node, path, 'must be a string');
      return undefined;
    }
    return String(node.value);
  }

  duration(node: Node | null | undefined, path: string, required = false): number | undefined {
    const text = this.string(node, path, required);
    if (text === undefined) return undefined;
    const ms = parsePromDuration(text);
    if (ms === undefined)
      this.fail(node, path, `not a duration: ${JSON.stringify(text)} (e.g. 5m, 1h30m, 30s)`);
    return ms;
  }

  stringMap(node: Node | null | undefined, path: string): Labels {
    const out: Labels = {};
    if (node === undefined || node === null) return out;
    if (!isMap(node)) {
      this.fail(node, path, 'must be a map of names to strings');
      return out;
    }
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const value = this.string(pair.value as Node, `${path}.${key}`, true);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
}

/** Reads a test file's text; `source` names it in problems. */
export function parseRuleTestFile(text: string, source: string): RuleTestFile {
  const r = new Reader();
  const doc = parseDocument(text, { lineCounter: r.lines, uniqueKeys: true, prettyErrors: false });
  for (const e of doc.errors) {
    const pos = r.lines.linePos(e.pos[0]);
    r.problems.push(`${pos.line}:${pos.col}: YAML: ${e.message.split('\n')[0]}`);
  }
  if (r.problems.length) throw new RuleTestFileError(source, r.problems);
  const root = doc.contents as Node | null;
  const top = r.map(root, '', ['rule_files', 'evaluation_interval', 'group_eval_order', 'tests']);
  const ruleFiles = r
    .list(top.get('rule_files'), 'rule_files')
    .flatMap((n, i) => r.string(n, `rule_files[${i}]`, true) ?? []);
  if (root && isMap(root) && ruleFiles.length === 0 && !r.problems.length)
    r.fail(root, 'rule_files', 'needs at least one rule file');
  const evaluationIntervalMs =
    r.duration(top.get('evaluation_interval'), 'evaluation_interval') ?? DEFAULT_INTERVAL_MS;
  if (evaluationIntervalMs === 0)
    r.fail(top.get('evaluation_interval'), 'evaluation_interval', 'must be above 0');
  const groupEvalOrder = r
    .list(top.get('group_eval_order'), 'group_eval_order')
    .flatMap((n, i) => r.string(n, `group_eval_order[${i}]`, true) ?? []);
  const tests = r
    .list(top.get('tests'), 'tests')
    .map((n, i) => readTest(r, n, `tests[${i}]`, evaluationIntervalMs));
  if (r.problems.length) throw new RuleTestFileError(source, r.problems);
  return { ruleFiles, evaluationIntervalMs, groupEvalOrder, tests };
}

function readTest(r: Reader, node: Node, path: string, defaultInterval: number): RuleTestCase {
  const f = r.map(
    node,
    path,
    [
      'name',
      'interval',
      'external_labels',
      'external_url',
      'input_streams',
      'logql_expr_test',
      'alert_rule_test',
    ],
    {
      input_series: 'LogQL rule tests take input_streams (label sets and lines), not input_series',
      promql_expr_test: 'LogQL rule tests take logql_expr_test, not promql_expr_test',
    },
  );
  const intervalMs = r.duration(f.get('interval'), `${path}.interval`) ?? defaultInterval;
  if (intervalMs === 0) r.fail(f.get('interval'), `${path}.interval`, 'must be above 0');
  const inputStreams = r.list(f.get('input_streams'), `${path}.input_streams`).map((n, i) => {
    const p = `${path}.input_streams[${i}]`;
    const s = r.map(n, p, ['stream', 'values', 'lines']);
    const streamText = r.string(s.get('stream'), `${p}.stream`, true);
    let labels: Labels = {};
    if (streamText !== undefined) {
      try {
        const parsed = parseLabelSet(streamText);
        if (parsed.duplicate)
          r.fail(s.get('stream'), `${p}.stream`, `label ${parsed.duplicate} is given twice`);
        else if (Object.keys(parsed.labels).length === 0)
          r.fail(s.get('stream'), `${p}.stream`, 'a stream needs at least one label');
        labels = parsed.labels;
      } catch (e) {
        if (!(e instanceof LabelSyntaxError)) throw e;
        r.fail(
          s.get('stream'),
          `${p}.stream`,
          `not a label set like {app="api-service", level="WARN"}: ${e.message}`,
        );
      }
    }
    let counts: number[] = [];
    const valuesText = r.string(s.get('values'), `${p}.values`, true);
    if (valuesText !== undefined) {
      try {
        counts = expandLineCounts(valuesText);
      } catch (e) {
        if (!(e instanceof LineCountError)) throw e;
        r.fail(s.get('values'), `${p}.values`, e.message);
      }
    }
    const linesNode = s.get('lines');
    let lines: string[] = [DEFAULT_LINE];
    if (linesNode !== undefined && linesNode !== null) {
      lines = isScalar(linesNode)
        ? [r.string(linesNode, `${p}.lines`) ?? '']
        : r.list(linesNode, `${p}.lines`).flatMap((l, j) => r.string(l, `${p}.lines[${j}]`, true) ?? []);
      if (lines.length === 0) r.fail(linesNode, `${p}.lines`, 'needs at least one line');
    }
    return { labels, counts, lines };
  });
  const exprTests = r.list(f.get('logql_expr_test'), `${path}.logql_expr_test`).map((n, i) => {
    const p = `${path}.logql_expr_test[${i}]`;
    const t = r.map(n, p, ['expr', 'eval_time', 'exp_samples']);
    const expSamples = r.list(t.get('exp_samples'), `${p}.exp_samples`).map((sn, j) => {
      const sp = `${p}.exp_samples[${j}]`;
      const sm = r.map(sn, sp, ['labels', 'value']);
      const labelsText = r.string(sm.get('labels'), `${sp}.labels`) ?? '{}';
      let labels: Labels = {};
      try {
        labels = parseSeriesLabels(labelsText);
      } catch (e) {
        if (!(e instanceof LabelSyntaxError)) throw e;
        r.fail(sm.get('labels'), `${sp}.labels`, `not a series like name{a="b"}: ${e.message}`);
      }
      const valueText = r.string(sm.get('value'), `${sp}.value`, true);
      const value = valueText === undefined ? Number.NaN : parseSampleValue(valueText);
      if (valueText !== undefined && value === undefined)
        r.fail(sm.get('value'), `${sp}.value`, `not a number: ${JSON.stringify(valueText)}`);
      return { labels, value: value ?? Number.NaN };
    });
    return {
      expr: r.string(t.get('expr'), `${p}.expr`, true) ?? '',
      evalTimeMs: r.duration(t.get('eval_time'), `${p}.eval_time`, true) ?? 0,
      expSamples,
    };
  });
  const alertTests = r.list(f.get('alert_rule_test'), `${path}.alert_rule_test`).map((n, i) => {
    const p = `${path}.alert_rule_test[${i}]`;
    const t = r.map(n, p, ['eval_time', 'alertname', 'exp_alerts']);
    const expAlerts = r.list(t.get('exp_alerts'), `${p}.exp_alerts`).map((an, j) => {
      const ap = `${p}.exp_alerts[${j}]`;
      const am = r.map(an, ap, ['exp_labels', 'exp_annotations']);
      return {
        labels: r.stringMap(am.get('exp_labels'), `${ap}.exp_labels`),
        annotations: r.stringMap(am.get('exp_annotations'), `${ap}.exp_annotations`),
      };
    });
    return {
      evalTimeMs: r.duration(t.get('eval_time'), `${p}.eval_time`, true) ?? 0,
      alertname: r.string(t.get('alertname'), `${p}.alertname`, true) ?? '',
      expAlerts,
    };
  });
  return {
    name: r.string(f.get('name'), `${path}.name`) ?? '',
    intervalMs,
    externalLabels: r.stringMap(f.get('external_labels'), `${path}.external_labels`),
    externalUrl: r.string(f.get('external_url'), `${path}.external_url`) ?? '',
    inputStreams,
    exprTests,
    alertTests,
  };
}

/** `name{a="b"}`, `{a="b"}` or `name`: the name becomes `__name__`. */
export function parseSeriesLabels(text: string): Labels {
  const m = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(\{.*\})?\s*$/s.exec(text);
  if (!m) throw new LabelSyntaxError(`1:1: parse error: unexpected ${JSON.stringify(text)}`);
  const parsed = m[2] ? parseLabelSet(m[2]) : { labels: {} };
  if (parsed.duplicate) throw new LabelSyntaxError(`label ${parsed.duplicate} is given twice`);
  return m[1] ? { ...parsed.labels, __name__: m[1] } : parsed.labels;
}

function parseSampleValue(text: string): number | undefined {
  const t = text.trim();
  if (/^[+-]?inf$/i.test(t)) return t.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (/^nan$/i.test(t)) return Number.NaN;
  const n = Number(t);
  return t === '' || Number.isNaN(n) ? undefined : n;
}
