// The Go text/template subset that line_format and label_format use: `{{.label}}`, pipelines
// (`{{ .a | ToUpper }}`), functions with arguments, `{{if}}/{{else}}/{{end}}`, trim markers,
// and Loki's template functions (__line__, __timestamp__, string, math and regex helpers).
import { RE2JS } from 're2js';
import type { TemplateData, TemplateNode } from './ast.js';
import { ParseError } from './parse-error.js';

type Value = string | number | boolean;
type Expr =
  | { k: 'field'; name: string }
  | { k: 'lit'; v: Value }
  | { k: 'call'; fn: string; args: Expr[] }
  | { k: 'pipe'; stages: Expr[] };
type Node =
  | { k: 'text'; v: string }
  | { k: 'out'; e: Expr }
  | { k: 'if'; branches: Array<{ cond: Expr; body: Node[] }>; otherwise: Node[] };

const regexCache = new Map<string, RE2JS>();
function re(src: string): RE2JS {
  let r = regexCache.get(src);
  if (!r) {
    r = RE2JS.compile(src);
    regexCache.set(src, r);
  }
  return r;
}

const str = (v: Value | undefined): string => (v === undefined ? '' : String(v));
const num = (v: Value | undefined): number => {
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isNaN(n) ? 0 : n;
};
const truthy = (v: Value | undefined): boolean => !(v === undefined || v === '' || v === 0 || v === false);

function goPrintf(format: string, args: Value[]): string {
  let i = 0;
  return format.replace(
    /%([-+ 0#]*)(\d*)(?:\.(\d+))?([sdvfqxXt%])/g,
    (_m, flags: string, width: string, prec: string | undefined, verb: string) => {
      if (verb === '%') return '%';
      const a = args[i++];
      let out: string;
      switch (verb) {
        case 'd':
          out = String(Math.trunc(num(a)));
          break;
        case 'f':
          out = num(a).toFixed(prec === undefined ? 6 : Number(prec));
          break;
        case 'q':
          out = JSON.stringify(str(a));
          break;
        case 'x':
          out = typeof a === 'number' ? Math.trunc(a).toString(16) : Buffer.from(str(a)).toString('hex');
          break;
        case 'X':
          out = (
            typeof a === 'number' ? Math.trunc(a).toString(16) : Buffer.from(str(a)).toString('hex')
          ).toUpperCase();
          break;
        default:
          out = str(a);
      }
      if (!width) return out;
      if (flags.includes('-')) return out.padEnd(Number(width));
      if (flags.includes('0') && verb !== 's' && verb !== 'q') {
        const neg = out.startsWith('-');
        return (neg ? '-' : '') + (neg ? out.slice(1) : out).padStart(Number(width) - (neg ? 1 : 0), '0');
      }
      return out.padStart(Number(width));
    },
  );
}

/** A timestamp as Go prints a time.Time in UTC: `2006-01-02 15:04:05.999999999 +0000 UTC`. */
function goTime(ns: bigint): string {
  const iso = new Date(Number(ns / 1_000_000n)).toISOString();
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? `.${frac}` : ''} +0000 UTC`;
}

const FUNCS: Record<string, (args: Value[], d: TemplateData) => Value> = {
  __line__: (_a, d) => d.line,
  __timestamp__: (_a, d) => goTime(d.ts),
  ToLower: ([s]) => str(s).toLowerCase(),
  ToUpper: ([s]) => str(s).toUpperCase(),
  lower: ([s]) => str(s).toLowerCase(),
  upper: ([s]) => str(s).toUpperCase(),
  title: ([s]) => str(s).replace(/\b\p{L}/gu, (c) => c.toUpperCase()),
  trim: ([s]) => str(s).trim(),
  trimSpace: ([s]) => str(s).trim(),
  trimAll: ([cut, s]) => {
    const set = new Set(str(cut));
    const t = str(s);
    let a = 0;
    let b = t.length;
    while (a < b && set.has(t[a]!)) a++;
    while (b > a && set.has(t[b - 1]!)) b--;
    return t.slice(a, b);
  },
  trimPrefix: ([p, s]) => (str(s).startsWith(str(p)) ? str(s).slice(str(p).length) : str(s)),
  trimSuffix: ([p, s]) =>
    str(p) !== '' && str(s).endsWith(str(p)) ? str(s).slice(0, -str(p).length) : str(s),
  replace: ([o, n, s]) => str(s).split(str(o)).join(str(n)),
  substr: ([a, b, s]) => str(s).slice(num(a), num(b)),
  trunc: ([n, s]) => (num(n) >= 0 ? str(s).slice(0, num(n)) : str(s).slice(num(n))),
  repeat: ([n, s]) => str(s).repeat(Math.max(0, num(n))),
  contains: ([sub, s]) => str(s).includes(str(sub)),
  hasPrefix: ([p, s]) => str(s).startsWith(str(p)),
  hasSuffix: ([p, s]) => str(s).endsWith(str(p)),
  len: ([s]) => str(s).length,
  count: ([sub, s]) => (str(sub) === '' ? 0 : str(s).split(str(sub)).length - 1),
  default: ([d, s]) => (truthy(s) ? (s as Value) : (d as Value)),
  printf: ([f, ...rest]) => goPrintf(str(f), rest),
  eq: ([a, ...rest]) => rest.some((b) => str(a) === str(b)),
  ne: ([a, b]) => str(a) !== str(b),
  lt: ([a, b]) => num(a) < num(b),
  le: ([a, b]) => num(a) <= num(b),
  gt: ([a, b]) => num(a) > num(b),
  ge: ([a, b]) => num(a) >= num(b),
  and: (args) => args.find((a) => !truthy(a)) ?? args[args.length - 1] ?? false,
  or: (args) => args.find((a) => truthy(a)) ?? args[args.length - 1] ?? false,
  not: ([a]) => !truthy(a),
  add: ([a, b]) => Math.trunc(num(a)) + Math.trunc(num(b)),
  sub: ([a, b]) => Math.trunc(num(a)) - Math.trunc(num(b)),
  mul: ([a, b]) => Math.trunc(num(a)) * Math.trunc(num(b)),
  div: ([a, b]) => (Math.trunc(num(b)) === 0 ? 0 : Math.trunc(Math.trunc(num(a)) / Math.trunc(num(b)))),
  mod: ([a, b]) => (Math.trunc(num(b)) === 0 ? 0 : Math.trunc(num(a)) % Math.trunc(num(b))),
  addf: ([a, b]) => num(a) + num(b),
  subf: ([a, b]) => num(a) - num(b),
  mulf: ([a, b]) => num(a) * num(b),
  divf: ([a, b]) => num(a) / num(b),
  float64: ([a]) => num(a),
  int: ([a]) => Math.trunc(num(a)),
  ceil: ([a]) => Math.ceil(num(a)),
  floor: ([a]) => Math.floor(num(a)),
  round: ([a, p]) => {
    const f = 10 ** num(p ?? 0);
    return Math.round(num(a) * f) / f;
  },
  max: (args) => Math.max(...args.map(num)),
  min: (args) => Math.min(...args.map(num)),
  regexReplaceAll: ([r, s, repl]) =>
    re(str(r))
      .matcher(str(s))
      .replaceAll(str(repl).replace(/\$\{(\w+)\}/g, '$$$1')),
  regexReplaceAllLiteral: ([r, s, repl]) =>
    re(str(r))
      .matcher(str(s))
      .replaceAll(RE2JS.quoteReplacement?.(str(repl)) ?? str(repl)),
  b64enc: ([s]) => Buffer.from(str(s)).toString('base64'),
  b64dec: ([s]) => Buffer.from(str(s), 'base64').toString('utf8'),
  urlencode: ([s]) => encodeURIComponent(str(s)),
  urldecode: ([s]) => decodeURIComponent(str(s)),
  unixEpoch: ([s]) => Math.floor(Date.parse(str(s)) / 1000),
  unixEpochMillis: ([s]) => Date.parse(str(s)),
  alignLeft: ([n, s]) => str(s).padEnd(num(n)).slice(0, num(n)),
  alignRight: ([n, s]) => str(s).padStart(num(n)).slice(-num(n)),
};

class TemplateParser {
  private i = 0;
  constructor(private readonly src: string) {}

  parse(): Node[] {
    const { nodes, end } = this.block();
    if (end !== undefined) throw new ParseError(`template: unexpected {{${end}}}`);
    return nodes;
  }

  /** Parses nodes until {{else…}} or {{end}} (returned as `end`), or the end of input. */
  private block(): { nodes: Node[]; end?: string; endExpr?: string } {
    const nodes: Node[] = [];
    while (this.i < this.src.length) {
      const open = this.src.indexOf('{{', this.i);
      if (open < 0) {
        nodes.push({ k: 'text', v: this.src.slice(this.i) });
        this.i = this.src.length;
        break;
      }
      let text = this.src.slice(this.i, open);
      let start = open + 2;
      if (this.src[start] === '-' && /\s/.test(this.src[start + 1] ?? '')) {
        text = text.replace(/\s+$/, '');
        start += 1;
      }
      if (text) nodes.push({ k: 'text', v: text });
      const close = this.findClose(start);
      let inner = this.src.slice(start, close);
      this.i = close + 2;
      if (/\s-$/.test(inner)) {
        inner = inner.slice(0, -1);
        const m = /^\s*/.exec(this.src.slice(this.i))!;
        this.i += m[0].length;
      }
      inner = inner.trim();
      if (inner.startsWith('/*')) continue;
      const word = /^(if|else|end|range|with|define|template|block)\b/.exec(inner)?.[1];
      if (word === 'end') return { nodes, end: 'end' };
      if (word === 'else') return { nodes, end: 'else', endExpr: inner.slice(4).trim() };
      if (word === 'if') {
        nodes.push(this.ifNode(inner.slice(2).trim()));
        continue;
      }
      if (word) throw new ParseError(`template: {{${word}}} is not supported`);
      nodes.push({ k: 'out', e: this.pipeline(inner) });
    }
    return { nodes };
  }

  private ifNode(cond: string): Node {
    const branches: Array<{ cond: Expr; body: Node[] }> = [];
    let c = cond;
    for (;;) {
      const b = this.block();
      branches.push({ cond: this.pipeline(c), body: b.nodes });
      if (b.end === 'end') return { k: 'if', branches, otherwise: [] };
      if (b.end === 'else') {
        if (b.endExpr?.startsWith('if ')) {
          c = b.endExpr.slice(3).trim();
          continue;
        }
        const rest = this.block();
        if (rest.end !== 'end') throw new ParseError('template: missing {{end}}');
        return { k: 'if', branches, otherwise: rest.nodes };
      }
      throw new ParseError('template: missing {{end}}');
    }
  }

  private findClose(from: number): number {
    let j = from;
    while (j < this.src.length) {
      const c = this.src[j];
      if (c === '"') {
        j++;
        while (j < this.src.length && this.src[j] !== '"') j += this.src[j] === '\\' ? 2 : 1;
      } else if (c === '`') {
        j = this.src.indexOf('`', j + 1);
        if (j < 0) break;
      } else if (c === '}' && this.src[j + 1] === '}') return j;
      j++;
    }
    throw new ParseError('template: unclosed action');
  }

  private pipeline(text: string): Expr {
    const tokens = tokenize(text);
    const stages: Expr[][] = [[]];
    let depth = 0;
    const stack: Expr[][][] = [];
    for (const t of tokens) {
      if (t === '|' && depth === 0) {
        stages.push([]);
        continue;
      }
      if (t === '(') {
        stack.push(stages.splice(0));
        stages.push([]);
        depth++;
        continue;
      }
      if (t === ')') {
        const inner = this.combine(stages.splice(0));
        const outer = stack.pop();
        if (!outer) throw new ParseError('template: unbalanced )');
        stages.push(...outer);
        stages[stages.length - 1]!.push(inner);
        depth--;
        continue;
      }
      stages[stages.length - 1]!.push(operand(t));
    }
    if (depth !== 0) throw new ParseError('template: unbalanced (');
    return this.combine(stages);
  }

  private combine(stages: Expr[][]): Expr {
    const cmds = stages.map((words) => {
      if (words.length === 0) throw new ParseError('template: empty command');
      const [head, ...args] = words as [Expr, ...Expr[]];
      if (head.k === 'call') return { k: 'call' as const, fn: head.fn, args };
      if (args.length > 0) throw new ParseError("template: can't give argument to non-function");
      return head;
    });
    return cmds.length === 1 ? cmds[0]! : { k: 'pipe', stages: cmds };
  }
}

function tokenize(text: string): string[] {
  const out: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\||\(|\)|[^\s|()]+)/gy;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push(m[1]!);
  return out;
}

function operand(t: string): Expr {
  if (t.startsWith('"')) return { k: 'lit', v: JSON.parse(t) as string };
  if (t.startsWith('`')) return { k: 'lit', v: t.slice(1, -1) };
  if (t.startsWith('.')) return { k: 'field', name: t.slice(1) };
  if (/^-?\d+(\.\d+)?$/.test(t)) return { k: 'lit', v: Number(t) };
  if (t === 'true' || t === 'false') return { k: 'lit', v: t === 'true' };
  if (!(t in FUNCS)) throw new ParseError(`template: function "${t}" not defined`);
  return { k: 'call', fn: t, args: [] };
}

function evalExpr(e: Expr, d: TemplateData, piped?: Value): Value {
  switch (e.k) {
    case 'field':
      return e.name === '' ? d.line : (d.labels[e.name] ?? '');
    case 'lit':
      return e.v;
    case 'call': {
      const args = e.args.map((a) => evalExpr(a, d));
      if (piped !== undefined) args.push(piped);
      return FUNCS[e.fn]!(args, d);
    }
    case 'pipe': {
      let v: Value | undefined;
      for (const s of e.stages) v = evalExpr(s, d, v);
      return v ?? '';
    }
  }
}

function render(nodes: Node[], d: TemplateData): string {
  let out = '';
  for (const n of nodes) {
    if (n.k === 'text') out += n.v;
    else if (n.k === 'out') out += str(evalExpr(n.e, d));
    else {
      const hit = n.branches.find((b) => truthy(evalExpr(b.cond, d)));
      out += render(hit ? hit.body : n.otherwise, d);
    }
  }
  return out;
}

export function compileTemplate(src: string): TemplateNode {
  const nodes = new TemplateParser(src).parse();
  return { render: (d) => render(nodes, d) };
}
