// Annotation and label templates of alerting rules, expanded as Prometheus (and so Loki's ruler) expands
// them: Go text/template with `$labels`, `$value`, `$externalLabels`, `$externalURL` (and `.Labels`,
// `.Value`, …) and Prometheus's formatting functions. The subset here is what alert texts use: variables,
// field access, string and number literals, pipelines and function calls. Control actions (`if`, `range`,
// `with`, `define`) and query functions (`query`) are refused when the rule is loaded, with the position.
import { goE, goF, goFloat, goG } from './go-format.js';

/** What a template sees. */
export interface TemplateData {
  /** The labels of the sample that made the alert (the query's result, before the rule's labels). */
  readonly labels: Readonly<Record<string, string>>;
  /** The sample's value. */
  readonly value: number;
  /** The ruler's external labels. @default {} */
  readonly externalLabels?: Readonly<Record<string, string>>;
  /** The ruler's external URL. @default '' */
  readonly externalUrl?: string;
}

export class TemplateError extends Error {}

type Operand =
  | { kind: 'field'; root: 'labels' | 'value' | 'externalLabels' | 'externalUrl'; key?: string }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'pipeline'; pipeline: Command[] };
interface Command {
  readonly fn?: string;
  readonly args: Operand[];
}
type Node = { kind: 'text'; text: string } | { kind: 'action'; pipeline: Command[] };
type Value = string | number | Readonly<Record<string, string>>;

const ROOTS: Record<string, 'labels' | 'value' | 'externalLabels' | 'externalUrl'> = {
  $labels: 'labels',
  '.Labels': 'labels',
  $value: 'value',
  '.Value': 'value',
  $externalLabels: 'externalLabels',
  '.ExternalLabels': 'externalLabels',
  $externalURL: 'externalUrl',
  '.ExternalURL': 'externalUrl',
};

const FUNCTIONS: Record<string, (args: Value[]) => Value> = {
  humanize: (a) => humanize(num(one(a, 'humanize'))),
  humanize1024: (a) => humanize1024(num(one(a, 'humanize1024'))),
  humanizePercentage: (a) => `${goG(num(one(a, 'humanizePercentage')) * 100, 4)}%`,
  humanizeDuration: (a) => humanizeDuration(num(one(a, 'humanizeDuration'))),
  toUpper: (a) => str(one(a, 'toUpper')).toUpperCase(),
  toLower: (a) => str(one(a, 'toLower')).toLowerCase(),
  title: (a) =>
    str(one(a, 'title')).replace(/(^|[^\p{L}\p{N}])(\p{L})/gu, (_, b, c: string) => b + c.toUpperCase()),
  printf: (a) => printf(str(a[0] ?? ''), a.slice(1)),
  index: (a) => {
    if (a.length !== 2 || typeof a[0] !== 'object') throw new TemplateError('index takes a map and a key');
    return a[0][str(a[1]!)] ?? '';
  },
};

function one(args: Value[], fn: string): Value {
  if (args.length !== 1) throw new TemplateError(`wrong number of args for ${fn}: want 1 got ${args.length}`);
  return args[0]!;
}

function num(v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = Number(v.trim());
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
    if (/^[+-]?(inf|nan)$/i.test(v.trim())) return Number(v.trim().replace(/inf/i, 'Infinity'));
  }
  throw new TemplateError(`cannot convert ${JSON.stringify(v)} to a number`);
}

function str(v: Value): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  const keys = Object.keys(v).sort();
  return `map[${keys.map((k) => `${k}:${v[k]}`).join(' ')}]`;
}

const SMALL_PREFIXES = ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];

/** Prometheus's `humanize`: SI prefixes, four significant digits. */
export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return goG(v, 4);
  if (Math.abs(v) >= 1) {
    let prefix = '';
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return `${goG(v, 4)}${prefix}`;
  }
  let prefix = '';
  for (const p of SMALL_PREFIXES) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${goG(v, 4)}${prefix}`;
}

function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return goG(v, 4);
  let prefix = '';
  for (const p of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
    if (Math.abs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return `${goG(v, 4)}${prefix}`;
}

/** Prometheus's `humanizeDuration`: seconds as `1d 2h 3m 4s`, or `1.5s`, `250ms`. */
export function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return goG(v, 4);
  if (v === 0) return `${goG(v, 4)}s`;
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    const abs = Math.abs(v);
    const whole = Math.trunc(abs);
    const seconds = whole % 60;
    const minutes = Math.trunc(whole / 60) % 60;
    const hours = Math.trunc(whole / 3600) % 24;
    const days = Math.trunc(whole / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${goG(abs, 4)}s`;
  }
  let prefix = '';
  for (const p of SMALL_PREFIXES) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${goG(v, 4)}${prefix}s`;
}

/** Go's Sprintf for the verbs alert texts use: %s %v %d %f %g %e %q %%, with an optional precision. */
function printf(format: string, args: Value[]): string {
  let next = 0;
  return format.replace(/%(?:(\.\d+)?([svdfgeq])|%)/g, (whole, precision: string | undefined, verb) => {
    if (whole === '%%') return '%';
    const arg = args[next++];
    if (arg === undefined) return `%!${verb}(MISSING)`;
    const p = precision === undefined ? undefined : Number(precision.slice(1));
    switch (verb) {
      case 's':
      case 'v':
        return str(arg);
      case 'q':
        return JSON.stringify(str(arg));
      case 'd':
        return typeof arg === 'number' && Number.isInteger(arg)
          ? String(arg)
          : `%!d(${goType(arg)}=${str(arg)})`;
      case 'f':
        return typeof arg === 'number' ? goF(arg, p) : `%!f(string=${str(arg)})`;
      case 'g':
        return typeof arg === 'number'
          ? p === undefined
            ? goFloat(arg)
            : goG(arg, p)
          : `%!g(string=${str(arg)})`;
      default:
        return typeof arg === 'number' ? goE(arg, p) : `%!e(string=${str(arg)})`;
    }
  });
}

const goType = (v: Value) => (typeof v === 'number' ? 'float64' : typeof v === 'string' ? 'string' : 'map');

/** A parsed template: expand it with {@link expand}. */
export class AlertTemplate {
  private constructor(private readonly nodes: Node[]) {}

  /**
   * Parses a template; throws a TemplateError naming the offset (`1:12`) of what it cannot read. `name`
   * prefixes the message as Go prefixes it (`template: summary:1:12: …`).
   */
  static parse(text: string, name = 'template'): AlertTemplate {
    return new AlertTemplate(parseNodes(text, name));
  }

  /** Expands the template; a failing function (bad argument) throws a TemplateError. */
  expand(data: TemplateData): string {
    let out = '';
    for (const node of this.nodes) {
      out += node.kind === 'text' ? node.text : str(runPipeline(node.pipeline, data));
    }
    return out;
  }
}

/**
 * Expands a template as Prometheus does for an alert: a template that fails gives the text
 * `<error expanding template: …>` instead (Prometheus logs it and sends that text).
 */
export function expandAlertTemplate(text: string, data: TemplateData, name = 'template'): string {
  try {
    return AlertTemplate.parse(text, name).expand(data);
  } catch (e) {
    if (e instanceof TemplateError) return `<error expanding template: ${e.message}>`;
    throw e;
  }
}

function position(text: string, at: number): string {
  const before = text.slice(0, at).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

function parseNodes(text: string, name: string): Node[] {
  const nodes: Node[] = [];
  let at = 0;
  let trimNext = false;
  while (at <= text.length) {
    const open = text.indexOf('{{', at);
    let chunk = text.slice(at, open === -1 ? text.length : open);
    if (trimNext) chunk = chunk.replace(/^\s+/, '');
    if (open === -1) {
      if (chunk) nodes.push({ kind: 'text', text: chunk });
      break;
    }
    const trimBefore = text.startsWith('{{- ', open) || text.startsWith('{{-\t', open);
    if (trimBefore) chunk = chunk.replace(/\s+$/, '');
    if (chunk) nodes.push({ kind: 'text', text: chunk });
    const close = text.indexOf('}}', open + 2);
    if (close === -1) throw new TemplateError(`template: ${name}:${position(text, open)}: unclosed action`);
    trimNext = text[close - 1] === '-' && /\s/.test(text[close - 2] ?? '');
    const inner = text.slice(open + (trimBefore ? 3 : 2), trimNext ? close - 1 : close).trim();
    if (!(inner.startsWith('/*') && inner.endsWith('*/'))) {
      try {
        nodes.push({ kind: 'action', pipeline: parsePipeline(inner) });
      } catch (e) {
        if (e instanceof TemplateError)
          throw new TemplateError(`template: ${name}:${position(text, open)}: ${e.message}`);
        throw e;
      }
    }
    at = close + 2;
  }
  return nodes;
}

const TOKEN =
  /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(\|)|(\()|(\))|([$.]?[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*|\$|\.))/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (!m) throw new TemplateError(`unexpected "${text.slice(at).trim().slice(0, 10)}" in command`);
    tokens.push(m[0].trim());
    at = TOKEN.lastIndex;
  }
  return tokens;
}

function parsePipeline(text: string): Command[] {
  const tokens = tokenize(text);
  let i = 0;
  const pipeline = (): Command[] => {
    const commands: Command[] = [command()];
    while (tokens[i] === '|') {
      i++;
      const c = command();
      if (!c.fn) throw new TemplateError('non executable command in pipeline stage');
      commands.push(c);
    }
    return commands;
  };
  const command = (): Command => {
    const first = tokens[i];
    if (first === undefined || first === '|' || first === ')')
      throw new TemplateError('missing value for command');
    if (/^[A-Za-z_]\w*$/.test(first)) {
      if (
        ['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue'].includes(
          first,
        )
      )
        throw new TemplateError(`"${first}" actions are not supported in rule templates`);
      if (!(first in FUNCTIONS)) throw new TemplateError(`function "${first}" not defined`);
      i++;
      const args: Operand[] = [];
      while (i < tokens.length && tokens[i] !== '|' && tokens[i] !== ')') args.push(operand());
      return { fn: first, args };
    }
    const only = operand();
    if (i < tokens.length && tokens[i] !== '|' && tokens[i] !== ')')
      throw new TemplateError(`can't give argument to non-function ${first}`);
    return { args: [only] };
  };
  const operand = (): Operand => {
    const t = tokens[i++]!;
    if (t === '(') {
      const inner = pipeline();
      if (tokens[i++] !== ')') throw new TemplateError('unclosed left paren');
      return { kind: 'pipeline', pipeline: inner };
    }
    if (t.startsWith('"')) return { kind: 'string', value: JSON.parse(t) as string };
    if (t.startsWith('`')) return { kind: 'string', value: t.slice(1, -1) };
    if (/^[-+.\d]/.test(t) && !Number.isNaN(Number(t))) return { kind: 'number', value: Number(t) };
    for (const [prefix, root] of Object.entries(ROOTS)) {
      if (t === prefix) return { kind: 'field', root };
      if (t.startsWith(`${prefix}.`) && (root === 'labels' || root === 'externalLabels')) {
        return { kind: 'field', root, key: t.slice(prefix.length + 1) };
      }
    }
    throw new TemplateError(`undefined variable or field "${t}"`);
  };
  const out = pipeline();
  if (i < tokens.length) throw new TemplateError(`unexpected "${tokens[i]}" in operand`);
  return out;
}

function runPipeline(pipeline: Command[], data: TemplateData): Value {
  let result: Value | undefined;
  for (const c of pipeline) {
    const args = c.args.map((a) => operandValue(a, data));
    if (result !== undefined) args.push(result);
    if (c.fn) result = FUNCTIONS[c.fn]!(args);
    else result = args[0]!;
  }
  return result ?? '';
}

function operandValue(o: Operand, data: TemplateData): Value {
  switch (o.kind) {
    case 'string':
    case 'number':
      return o.value;
    case 'pipeline':
      return runPipeline(o.pipeline, data);
    case 'field': {
      if (o.root === 'value') return data.value;
      if (o.root === 'externalUrl') return data.externalUrl ?? '';
      const map = o.root === 'labels' ? data.labels : (data.externalLabels ?? {});
      // A missing label reads as Go's zero value of a map lookup.
      return o.key === undefined ? map : (map[o.key] ?? '<no value>');
    }
  }
}
