// Rule groups in Prometheus's rule-file format with LogQL expressions, as Loki's ruler reads them:
// `groups: [{name, interval, limit, rules: [{record|alert, expr, for, keep_firing_for, labels,
// annotations}]}]`. A file is checked whole before anything is used: every problem is reported with the
// file position, the group, the rule (1-based index, as Prometheus numbers it, and its name) and what is
// wrong, e.g. `rules.yaml:12:11: group "logs", rule 2, "ModelRouterErrors": could not parse expression: …`.
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import { AlertTemplate, TemplateError } from './alert-template.js';
import { parsePromDuration } from './prom-duration.js';

/** Where something is in a rule file, 1-based. */
export interface RulePosition {
  readonly line: number;
  readonly column: number;
}

/** A recording rule: its expression's samples are stored under `record`, with `labels` set on them. */
export interface RecordingRuleDef {
  readonly kind: 'record';
  /** The metric name the samples get. */
  readonly name: string;
  readonly expr: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly position: RulePosition;
}

/** An alerting rule: each sample of its expression is an alert, pending for `forMs`, then firing. */
export interface AlertingRuleDef {
  readonly kind: 'alert';
  /** The alert name (`alertname`). */
  readonly name: string;
  readonly expr: string;
  /** How long the expression must hold before the alert fires, ms (`for`). */
  readonly forMs: number;
  /** How long a firing alert keeps firing after its expression stops returning it, ms (`keep_firing_for`). */
  readonly keepFiringForMs: number;
  /** Labels added to every alert; values are templates. */
  readonly labels: Readonly<Record<string, string>>;
  /** Annotations of every alert; values are templates. */
  readonly annotations: Readonly<Record<string, string>>;
  readonly position: RulePosition;
}

export type RuleDef = RecordingRuleDef | AlertingRuleDef;

/** A rule group: its rules are evaluated in order, every `intervalMs`. */
export interface RuleGroupDef {
  readonly name: string;
  /** Evaluation interval, ms; undefined: the ruler's default (`evaluation_interval`). */
  readonly intervalMs?: number;
  /** Most alerts (or recorded series) one evaluation of a rule may produce; 0: no limit. */
  readonly limit: number;
  readonly rules: readonly RuleDef[];
  readonly position: RulePosition;
}

/** One problem of a rule file. */
export interface RuleProblem {
  /** The file (or other source) name given to the parser. */
  readonly source: string;
  readonly line: number;
  readonly column: number;
  readonly group?: string;
  /** 1-based index of the rule in its group. */
  readonly ruleIndex?: number;
  readonly ruleName?: string;
  readonly message: string;
}

/** Formats a problem as Prometheus's rulefmt does, prefixed with the source. */
export function formatRuleProblem(p: RuleProblem): string {
  const where =
    p.ruleIndex !== undefined
      ? `group ${JSON.stringify(p.group ?? '')}, rule ${p.ruleIndex}, ${JSON.stringify(p.ruleName ?? '')}: `
      : p.group !== undefined
        ? `group ${JSON.stringify(p.group)}: `
        : '';
  return `${p.source}:${p.line}:${p.column}: ${where}${p.message}`;
}

/** A rule file (or group) that cannot be used, with every problem found. */
export class RuleFileError extends Error {
  constructor(readonly problems: readonly RuleProblem[]) {
    super(problems.map(formatRuleProblem).join('\n'));
    this.name = 'RuleFileError';
  }
}

/** Checks one expression; throws an Error whose message says what is wrong. */
export type ExprCheck = (expr: string) => void;

/**
 * The check of Loki's ruler: the expression parses as LogQL and is a metric query (a log query yields no
 * samples). `parser` is a QueryEngine (its `parse`), so rules are read by the store's own parser.
 */
export function logqlMetricExprCheck(parser: { parse(query: string): { kind: string } }): ExprCheck {
  return (expr) => {
    const q = parser.parse(expr);
    if (q.kind !== 'metric')
      throw new Error('a rule needs a metric query (a sample expression), not a log query');
  };
}

/** How to read rules. */
export interface RuleParseOptions {
  /** Checks each expression (see {@link logqlMetricExprCheck}). */
  readonly checkExpr: ExprCheck;
  /** Names the source in problems. @default 'rules' */
  readonly source?: string;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const GROUP_FIELDS = new Set(['name', 'interval', 'limit', 'rules']);
const RULE_FIELDS = new Set(['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);

class Reader {
  readonly problems: RuleProblem[] = [];
  readonly lines = new LineCounter();
  group?: string;
  ruleIndex?: number;
  ruleName?: string;
  fileText = '';
  constructor(
    readonly source: string,
    readonly checkExpr: ExprCheck,
  ) {}

  at(node: Node | null | undefined, fallback?: Node | null): RulePosition {
    const offset = node?.range?.[0] ?? fallback?.range?.[0] ?? 0;
    const pos = this.lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  }

  problem(
    node: Node | null | undefined,
    message: string,
    fallback?: Node | null,
    exact?: RulePosition,
  ): void {
    const { line, column } = exact ?? this.at(node, fallback);
    this.problems.push({
      source: this.source,
      line,
      column,
      ...(this.group !== undefined ? { group: this.group } : {}),
      ...(this.ruleIndex !== undefined ? { ruleIndex: this.ruleIndex, ruleName: this.ruleName ?? '' } : {}),
      message,
    });
  }

  /** The text of a scalar (as written, so `for: 0` and `severity: 1` read as strings), or undefined. */
  text(node: unknown, field: string, owner: Node): string | undefined {
    if (node === undefined || node === null) return undefined;
    if (!isScalar(node) || node.value === null || typeof node.value === 'object') {
      this.problem(node as Node, `field '${field}' must be a string`, owner);
      return undefined;
    }
    return String(node.value);
  }

  fields(map: YAMLMap, allowed: Set<string>, what: string): Map<string, Node | null> {
    const out = new Map<string, Node | null>();
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!allowed.has(key)) {
        this.problem(pair.key as Node, `field ${key} not found in type ${what}`, map);
        continue;
      }
      out.set(key, (pair.value as Node | null) ?? null);
    }
    return out;
  }

  stringMap(
    node: Node | null | undefined,
    field: string,
    owner: Node,
    templates: boolean,
  ): Record<string, string> {
    const out: Record<string, string> = {};
    if (node === undefined || node === null) return out;
    if (!isMap(node)) {
      this.problem(node, `field '${field}' must be a map of names to strings`, owner);
      return out;
    }
    for (const pair of node.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!LABEL_NAME.test(name)) {
        this.problem(
          pair.key as Node,
          `invalid ${field === 'labels' ? 'label' : 'annotation'} name: ${JSON.stringify(name)}`,
          node,
        );
        continue;
      }
      const value = this.text(pair.value, `${field}.${name}`, node);
      if (value === undefined) continue;
      if (templates) {
        try {
          AlertTemplate.parse(value, `${field}.${name}`);
        } catch (e) {
          if (!(e instanceof TemplateError)) throw e;
          this.problem(pair.value as Node, `msg=${JSON.stringify(e.message)}`, node);
          continue;
        }
      }
      out[name] = value;
    }
    return out;
  }
}

function readDocument(text: string, r: Reader): Node | null {
  r.fileText = text;
  const doc = parseDocument(text, { lineCounter: r.lines, uniqueKeys: true, prettyErrors: false });
  for (const e of doc.errors) {
    const pos = r.lines.linePos(e.pos[0]);
    r.problems.push({
      source: r.source,
      line: pos.line,
      column: pos.col,
      message: `YAML: ${e.message.split('\n')[0]}`,
    });
  }
  return r.problems.length ? null : (doc.contents as Node | null);
}

/**
 * Reads a rule file (`groups: [...]`). Throws a {@link RuleFileError} listing every problem: YAML errors,
 * unknown fields, missing or conflicting fields, bad names, durations and templates, duplicate group
 * names, and expressions `checkExpr` refuses.
 */
export function parseRuleFile(text: string, options: RuleParseOptions): RuleGroupDef[] {
  const r = new Reader(options.source ?? 'rules', options.checkExpr);
  const root = readDocument(text, r);
  const groups: RuleGroupDef[] = [];
  if (root !== null && !r.problems.length) {
    if (!isMap(root)) r.problem(root, "a rule file is a map with a 'groups' list");
    else {
      const fields = r.fields(root, new Set(['groups']), 'rulefmt.RuleGroups');
      const list = fields.get('groups');
      if (list !== undefined && list !== null && !isSeq(list))
        r.problem(list, "field 'groups' must be a list", root);
      const seen = new Set<string>();
      for (const item of isSeq(list) ? list.items : []) {
        const group = readGroup(item as Node, r);
        if (!group) continue;
        if (seen.has(group.name)) {
          r.group = group.name;
          r.problem(item as Node, `groupname: ${JSON.stringify(group.name)} is repeated in the same file`);
          r.group = undefined;
        }
        seen.add(group.name);
        groups.push(group);
      }
    }
  }
  if (r.problems.length) throw new RuleFileError(r.problems);
  return groups;
}

/**
 * Reads one rule group (the body of Loki's `POST /loki/api/v1/rules/{namespace}`). Throws a
 * {@link RuleFileError} as {@link parseRuleFile} does.
 */
export function parseRuleGroup(text: string, options: RuleParseOptions): RuleGroupDef {
  const r = new Reader(options.source ?? 'rules', options.checkExpr);
  const root = readDocument(text, r);
  let group: RuleGroupDef | undefined;
  if (!r.problems.length) {
    if (root === null) r.problem(root, 'a rule group is a map with a name and rules');
    else group = readGroup(root, r);
  }
  if (r.problems.length || !group) throw new RuleFileError(r.problems);
  return group;
}

function readGroup(node: Node, r: Reader): RuleGroupDef | undefined {
  r.group = undefined;
  r.ruleIndex = undefined;
  if (!isMap(node)) {
    r.problem(node, 'a rule group is a map with a name and rules');
    return undefined;
  }
  const fields = r.fields(node, GROUP_FIELDS, 'rulefmt.RuleGroup');
  const name = r.text(fields.get('name'), 'name', node) ?? '';
  r.group = name;
  if (name === '') r.problem(fields.get('name') ?? node, 'groupname must not be empty');
  let intervalMs: number | undefined;
  const intervalText = r.text(fields.get('interval'), 'interval', node);
  if (intervalText !== undefined) {
    intervalMs = parsePromDuration(intervalText);
    if (intervalMs === undefined)
      r.problem(fields.get('interval'), `not a valid duration string: ${JSON.stringify(intervalText)}`);
    else if (intervalMs === 0) intervalMs = undefined;
  }
  let limit = 0;
  const limitText = r.text(fields.get('limit'), 'limit', node);
  if (limitText !== undefined) {
    if (!/^\d+$/.test(limitText))
      r.problem(fields.get('limit'), `limit must be a whole number, not ${JSON.stringify(limitText)}`);
    else limit = Number(limitText);
  }
  const rulesNode = fields.get('rules');
  const rules: RuleDef[] = [];
  if (rulesNode !== undefined && rulesNode !== null && !isSeq(rulesNode))
    r.problem(rulesNode, "field 'rules' must be a list", node);
  if (isSeq(rulesNode)) {
    rulesNode.items.forEach((item, i) => {
      const rule = readRule(item as Node, i + 1, r);
      if (rule) rules.push(rule);
    });
  }
  r.ruleIndex = undefined;
  const group: RuleGroupDef = { name, limit, rules, position: r.at(node) };
  return intervalMs === undefined ? group : { ...group, intervalMs };
}

function readRule(node: Node, index: number, r: Reader): RuleDef | undefined {
  r.ruleIndex = index;
  r.ruleName = '';
  if (!isMap(node)) {
    r.problem(node, 'a rule is a map with record or alert, and expr');
    return undefined;
  }
  const before = r.problems.length;
  const fields = r.fields(node, RULE_FIELDS, 'rulefmt.Rule');
  const record = r.text(fields.get('record'), 'record', node);
  const alert = r.text(fields.get('alert'), 'alert', node);
  r.ruleName = record ?? alert ?? '';
  const expr = r.text(fields.get('expr'), 'expr', node);
  if (record !== undefined && alert !== undefined)
    r.problem(node, "only one of 'record' and 'alert' must be set");
  else if (record === undefined && alert === undefined)
    r.problem(node, "one of 'record' or 'alert' must be set");
  if (expr === undefined || expr.trim() === '')
    r.problem(fields.get('expr') ?? node, "field 'expr' must be set in rule");
  else {
    try {
      r.checkExpr(expr);
    } catch (e) {
      const message = (e as Error).message;
      const exprNode = fields.get('expr');
      r.problem(exprNode, `could not parse expression: ${message}`, node, errorInExpr(r, exprNode, message));
    }
  }
  const forText = r.text(fields.get('for'), 'for', node);
  const keepText = r.text(fields.get('keep_firing_for'), 'keep_firing_for', node);
  const duration = (text: string | undefined, field: string): number => {
    if (text === undefined) return 0;
    const ms = parsePromDuration(text);
    if (ms === undefined) {
      r.problem(fields.get(field), `not a valid duration string: ${JSON.stringify(text)}`);
      return 0;
    }
    return ms;
  };
  const forMs = duration(forText, 'for');
  const keepFiringForMs = duration(keepText, 'keep_firing_for');
  if (record !== undefined) {
    if (!METRIC_NAME.test(record)) r.problem(fields.get('record'), `invalid recording rule name: ${record}`);
    for (const field of ['for', 'keep_firing_for', 'annotations']) {
      if (fields.has(field)) r.problem(fields.get(field), `invalid field '${field}' in recording rule`);
    }
  }
  if (alert !== undefined && alert.trim() === '')
    r.problem(fields.get('alert'), `invalid alert name: ${JSON.stringify(alert)}`);
  const labels = r.stringMap(fields.get('labels'), 'labels', node, alert !== undefined);
  for (const reserved of ['__name__', 'alertname']) {
    if (reserved in labels && (reserved === '__name__' || alert !== undefined))
      r.problem(fields.get('labels'), `invalid label name: ${reserved} is set by the ruler`);
  }
  const annotations = r.stringMap(fields.get('annotations'), 'annotations', node, true);
  if (r.problems.length > before || expr === undefined) return undefined;
  const position = r.at(node);
  if (record !== undefined) return { kind: 'record', name: record, expr, labels, position };
  return { kind: 'alert', name: alert!, expr, forMs, keepFiringForMs, labels, annotations, position };
}

/**
 * Where in the file a parse error inside an expression is, when the parser names a line and column and the
 * expression is written so that its text maps to the file one to one (a plain scalar, or a literal block
 * `|`); undefined otherwise (the problem then points at the expression's start).
 */
function errorInExpr(r: Reader, node: Node | null | undefined, message: string): RulePosition | undefined {
  const m = /line (\d+), col (\d+)/.exec(message);
  if (!m || !node || !isScalar(node) || node.range === undefined || node.range === null) return undefined;
  const line = Number(m[1]);
  const col = Number(m[2]);
  const start = r.at(node);
  if (node.type === 'PLAIN' && line === 1) return { line: start.line, column: start.column + col - 1 };
  if (node.type === 'BLOCK_LITERAL') {
    const fileLines = r.fileText.split('\n');
    const first = fileLines.slice(start.line).find((l) => l.trim() !== '');
    if (first === undefined) return undefined;
    const indent = first.length - first.trimStart().length;
    return { line: start.line + line, column: indent + col };
  }
  return undefined;
}
