// Parses LogQL with the official grammar (@grafana/lezer-logql) and builds the syntax tree of ast.ts.
// The grammar is made for editors: binary operators come out without precedence, so chains of
// binary operators (and of label filters) are flattened here and re-associated with LogQL's
// precedence. Constructs the engine does not implement are rejected with UnsupportedError.
import { parser } from '@grafana/lezer-logql';
import type { SyntaxNode } from '@lezer/common';
import { compileRegex as compileRe2, parseDuration, RegexSyntaxError } from '@opsight/contracts/codecs';
import type { RE2JS } from 're2js';
import { readQuoted } from '../labels.js';
import type {
  BinaryOp,
  CompareOp,
  Conversion,
  Grouping,
  LabelFilterExpr,
  LabelMatcher,
  LineFilterStage,
  LogRange,
  LogSelector,
  MatchOp,
  MetricExpr,
  Query,
  RangeOp,
  Stage,
  VectorOp,
} from './ast.js';
import { compileIp } from './ip-matcher.js';
import { ParseError, UnsupportedError } from './parse-error.js';
import { compilePattern } from './pattern.js';
import { compileTemplate } from './template.js';
import { parseBytes } from './units.js';

export function parseQuery(q: string): Query {
  if (q.trim() === '') throw new ParseError('parse error: syntax error: unexpected end of query');
  const tree = parser.parse(q);
  let err: SyntaxNode | undefined;
  tree.iterate({
    enter: (n) => {
      if (n.type.isError && !err) err = n.node;
    },
  });
  if (err) {
    const { line, col } = position(q, err.from);
    const near = q.slice(err.from, err.from + 20);
    throw new ParseError(
      `parse error at line ${line}, col ${col}: syntax error: unexpected ${near ? `"${near}"` : 'end of query'}`,
    );
  }
  const b = new Builder(q);
  const expr = tree.topNode.getChild('Expr');
  if (!expr) throw new ParseError('parse error: syntax error: empty query');
  return b.expr(expr);
}

function position(q: string, at: number): { line: number; col: number } {
  const before = q.slice(0, at).split('\n');
  return { line: before.length, col: before[before.length - 1]!.length + 1 };
}

/** Compiles a regex with RE2 semantics; a bad one is a parse error naming it. */
export function compileRegex(source: string, anchored: boolean): RE2JS {
  try {
    return compileRe2(source, anchored);
  } catch (e) {
    if (e instanceof RegexSyntaxError) throw new ParseError(`parse error: ${e.message}`);
    throw e;
  }
}

const BINARY_PRECEDENCE: Record<BinaryOp, number> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '>': 3,
  '>=': 3,
  '<': 3,
  '<=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  '^': 6,
};

const BINARY_NODE: Record<string, BinaryOp> = {
  Add: '+',
  Sub: '-',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Pow: '^',
  Eql: '==',
  Neq: '!=',
  Gtr: '>',
  Gte: '>=',
  Lss: '<',
  Lte: '<=',
  And: 'and',
  Or: 'or',
  Unless: 'unless',
};

type BinModifier = Pick<Extract<MetricExpr, { kind: 'binary' }>, 'bool' | 'matching'>;

class Builder {
  constructor(private readonly q: string) {}

  text(n: SyntaxNode): string {
    return this.q.slice(n.from, n.to);
  }

  children(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
    return out;
  }

  string(n: SyntaxNode): string {
    const t = this.text(n);
    const r = readQuoted(t, 0);
    if (!r || r.end !== t.length) throw new ParseError(`parse error: invalid string ${t}`);
    return r.value;
  }

  expr(n: SyntaxNode): Query {
    const log = n.getChild('LogExpr');
    if (log) return { kind: 'log', selector: this.logExpr(log) };
    const metric = n.getChild('MetricExpr');
    if (!metric) throw new ParseError('parse error: syntax error: expected a log or metric query');
    return { kind: 'metric', expr: this.metric(metric) };
  }

  logExpr(n: SyntaxNode): LogSelector {
    // A parenthesised log expression nests another LogExpr.
    const inner = n.getChild('LogExpr');
    if (inner) return this.logExpr(inner);
    const sel = n.getChild('Selector');
    if (!sel) throw new ParseError('parse error: expected a stream selector');
    const matchers = this.selector(sel);
    const pipe = n.getChild('PipelineExpr');
    const stages = pipe ? this.pipeline(pipe) : [];
    return { matchers, stages };
  }

  selector(n: SyntaxNode): LabelMatcher[] {
    const out: LabelMatcher[] = [];
    const walk = (m: SyntaxNode) => {
      for (const c of this.children(m)) {
        if (c.name === 'Matchers') walk(c);
        else if (c.name === 'Matcher') out.push(this.matcher(c));
      }
    };
    const ms = n.getChild('Matchers');
    if (ms) walk(ms);
    if (out.length === 0 || out.every((m) => (m.op === '=' || m.op === '=~' ? matchesEmpty(m) : true))) {
      throw new ParseError(
        'parse error: queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will',
      );
    }
    return out;
  }

  matcher(n: SyntaxNode): LabelMatcher {
    const name = this.text(n.getChild('Identifier')!);
    const opNode = n.getChild('Eq') ?? n.getChild('Neq') ?? n.getChild('Re') ?? n.getChild('Nre');
    const op = this.text(opNode!) as MatchOp;
    const value = this.string(n.getChild('String')!);
    const m: LabelMatcher = { name, op, value };
    if (op === '=~' || op === '!~') m.re = compileRegex(value, true);
    return m;
  }

  pipeline(n: SyntaxNode): Stage[] {
    const out: Stage[] = [];
    for (const c of this.children(n)) {
      if (c.name === 'PipelineExpr') out.push(...this.pipeline(c));
      else if (c.name === 'PipelineStage') out.push(...this.stage(c));
    }
    return out;
  }

  stage(n: SyntaxNode): Stage[] {
    const lf = n.getChild('LineFilters');
    if (lf) return this.lineFilters(lf);
    for (const c of this.children(n)) {
      switch (c.name) {
        case 'Pipe':
          continue;
        case 'LabelParser': {
          const kind = c.firstChild!.name;
          if (kind === 'Json') return [{ kind: 'json' }];
          if (kind === 'Logfmt') return [{ kind: 'logfmt', strict: false, keepEmpty: false }];
          if (kind === 'Unpack') return [{ kind: 'unpack' }];
          const arg = this.string(c.getChild('String')!);
          if (kind === 'Regexp') {
            const re = compileRegex(arg, false);
            const names = Object.keys(re.namedGroups());
            if (names.length === 0)
              throw new ParseError('parse error: at least one named capture must be supplied');
            return [{ kind: 'regexp', re, names }];
          }
          if (kind === 'Pattern') return [{ kind: 'pattern', pattern: compilePattern(arg, true) }];
          throw new UnsupportedError(this.text(c));
        }
        case 'LogfmtParser': {
          const flags = this.text(c).split(/\s+/).slice(1);
          return [
            { kind: 'logfmt', strict: flags.includes('--strict'), keepEmpty: flags.includes('--keep-empty') },
          ];
        }
        case 'JsonExpressionParser':
          return [{ kind: 'json', params: this.extractions(c).map(([k, v]) => [k, jsonPath(v)]) }];
        case 'LogfmtExpressionParser': {
          const flags = c.getChild('LogfmtParserFlags');
          const f = flags ? this.text(flags).split(/\s+/) : [];
          return [
            {
              kind: 'logfmt',
              strict: f.includes('--strict'),
              keepEmpty: f.includes('--keep-empty'),
              params: this.extractions(c),
            },
          ];
        }
        case 'LabelFilter':
          return [{ kind: 'labelFilter', filter: this.labelFilter(c) }];
        case 'LineFormatExpr':
          return [{ kind: 'lineFormat', template: compileTemplate(this.string(c.getChild('String')!)) }];
        case 'LabelFormatExpr':
          return [{ kind: 'labelFormat', items: this.labelFormats(c.getChild('LabelsFormat')!) }];
        case 'DecolorizeExpr':
          return [{ kind: 'decolorize' }];
        case 'DropLabelsExpr':
        case 'KeepLabelsExpr': {
          const items: Array<{ name: string; matcher?: LabelMatcher }> = [];
          c.toTree().iterate({
            enter: (x) => {
              if (x.name === 'DropLabel' || x.name === 'KeepLabel') {
                const node = x.node.node;
                // positions in toTree are relative to c.from
                const sub = this.q.slice(c.from + node.from, c.from + node.to);
                const m = /^([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)?\s*([\s\S]*)$/.exec(sub);
                if (!m) throw new ParseError(`parse error: invalid label ${sub}`);
                if (m[2]) {
                  const value = readQuoted(m[3]!, 0)?.value ?? '';
                  const matcher: LabelMatcher = { name: m[1]!, op: m[2] as MatchOp, value };
                  if (m[2] === '=~' || m[2] === '!~') matcher.re = compileRegex(value, true);
                  items.push({ name: m[1]!, matcher });
                } else {
                  items.push({ name: m[1]! });
                }
                return false;
              }
              return undefined;
            },
          });
          return [{ kind: c.name === 'DropLabelsExpr' ? 'drop' : 'keep', items }];
        }
        default:
          throw new UnsupportedError(this.text(c));
      }
    }
    throw new UnsupportedError(this.text(n));
  }

  extractions(n: SyntaxNode): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    const walk = (x: SyntaxNode) => {
      for (const c of this.children(x)) {
        if (c.name === 'LabelExtractionExpressionList') walk(c);
        else if (c.name === 'LabelExtractionExpression') {
          const name = this.text(c.getChild('Identifier')!);
          const s = c.getChild('String');
          out.push([name, s ? this.string(s) : name]);
        }
      }
    };
    const list = n.getChild('LabelExtractionExpressionList');
    if (list) walk(list);
    return out;
  }

  labelFormats(
    n: SyntaxNode,
  ): Array<{ dst: string; src?: string; template?: ReturnType<typeof compileTemplate> }> {
    const out: Array<{ dst: string; src?: string; template?: ReturnType<typeof compileTemplate> }> = [];
    const walk = (x: SyntaxNode) => {
      for (const c of this.children(x)) {
        if (c.name === 'LabelsFormat') walk(c);
        else if (c.name === 'LabelFormatMatcher') {
          const ids = c.getChildren('Identifier');
          const dst = this.text(ids[0]!);
          const s = c.getChild('String');
          if (s) out.push({ dst, template: compileTemplate(this.string(s)) });
          else out.push({ dst, src: this.text(ids[1]!) });
        }
      }
    };
    walk(n);
    const seen = new Set<string>();
    for (const i of out) {
      if (seen.has(i.dst))
        throw new ParseError(`parse error: multiple label name '${i.dst}' in label_format`);
      seen.add(i.dst);
    }
    return out;
  }

  lineFilters(n: SyntaxNode): Stage[] {
    const out: Stage[] = [];
    for (const c of this.children(n)) {
      if (c.name === 'LineFilters') out.push(...this.lineFilters(c));
      else if (c.name === 'LineFilter') out.push(this.lineFilter(c));
      else if (c.name === 'OrFilter') {
        // `or` after an ip() filter comes out beside the filter rather than inside it.
        const prev = out[out.length - 1];
        const str = c.getChild('String');
        if (prev?.kind !== 'lineFilter' || !str) throw new UnsupportedError(this.text(c));
        const v = this.string(str);
        prev.values.push(v);
        if (c.getChild('FilterOp')) {
          if (!prev.ips) throw new UnsupportedError(`${this.text(c)} after a non-ip filter`);
          prev.ips.push(compileIp(v));
        } else if (prev.ips) throw new UnsupportedError(`${this.text(c)} after an ip() filter`);
        else if (prev.res) prev.res.push(compileRegex(v, false));
        else if (prev.patterns) prev.patterns.push(compilePattern(v, false));
      } else if (c.name !== 'Or') throw new UnsupportedError(this.text(c));
    }
    return out;
  }

  lineFilter(n: SyntaxNode): LineFilterStage {
    const f = n.getChild('Filter')!;
    const opText = this.text(f);
    const op = opText as LineFilterStage['op'];
    const values: string[] = [];
    const s = n.getChild('String');
    if (s) values.push(this.string(s));
    const collectOr = (x: SyntaxNode) => {
      for (const c of this.children(x)) {
        if (c.name === 'OrFilter') {
          const str = c.getChild('String');
          if (str) values.push(this.string(str));
          collectOr(c);
        }
      }
    };
    collectOr(n);
    const stage: LineFilterStage = { kind: 'lineFilter', op, values };
    if (n.getChild('FilterOp')) {
      if (op !== '|=' && op !== '!=') throw new ParseError(`parse error: ip() needs |= or !=, not ${op}`);
      stage.ips = values.map((v) => compileIp(v));
      return stage;
    }
    if (op === '|~' || op === '!~') stage.res = values.map((v) => compileRegex(v, false));
    if (op === '|>' || op === '!>') stage.patterns = values.map((v) => compilePattern(v, false));
    return stage;
  }

  labelFilter(n: SyntaxNode): LabelFilterExpr {
    // Flatten `a and b or c, d` into atoms and operators, then bind `and` (and `,`) before `or`.
    const atoms: LabelFilterExpr[] = [];
    const ops: Array<'and' | 'or'> = [];
    const flatten = (x: SyntaxNode) => {
      const kids = this.children(x);
      const subFilters = kids.filter((k) => k.name === 'LabelFilter');
      if (subFilters.length === 2) {
        flatten(subFilters[0]!);
        const between = this.q.slice(subFilters[0]!.to, subFilters[1]!.from).trim();
        ops.push(between === 'or' ? 'or' : 'and');
        flatten(subFilters[1]!);
        return;
      }
      if (subFilters.length === 1) {
        atoms.push(this.labelFilter(subFilters[0]!));
        return;
      }
      atoms.push(this.labelFilterAtom(x));
    };
    flatten(n);
    const orParts: LabelFilterExpr[] = [];
    let cur = atoms[0]!;
    for (let i = 0; i < ops.length; i++) {
      if (ops[i] === 'and') cur = { kind: 'and', left: cur, right: atoms[i + 1]! };
      else {
        orParts.push(cur);
        cur = atoms[i + 1]!;
      }
    }
    orParts.push(cur);
    return orParts.reduce((l, r) => ({ kind: 'or', left: l, right: r }));
  }

  labelFilterAtom(n: SyntaxNode): LabelFilterExpr {
    const m = n.getChild('Matcher');
    if (m) return { kind: 'matcher', matcher: this.matcher(m) };
    const ipf = n.getChild('IpLabelFilter');
    if (ipf) {
      return {
        kind: 'ip',
        name: this.text(ipf.getChild('Identifier')!),
        negate: !!ipf.getChild('Neq'),
        ip: compileIp(this.string(ipf.getChild('String')!)),
      };
    }
    const unit = n.getChild('UnitFilter');
    const num = n.getChild('NumberFilter');
    const f = unit ? unit.firstChild! : num;
    if (!f) throw new UnsupportedError(this.text(n));
    const name = this.text(f.getChild('Identifier')!);
    const opNode =
      f.getChild('Gtr') ??
      f.getChild('Gte') ??
      f.getChild('Lss') ??
      f.getChild('Lte') ??
      f.getChild('Eql') ??
      f.getChild('Neq') ??
      f.getChild('Eq');
    let op = this.text(opNode!) as CompareOp | '=';
    if (op === '=') op = '==';
    if (f.name === 'DurationFilter') {
      return {
        kind: 'duration',
        name,
        op,
        value: Number(parseDuration(this.text(f.getChild('Duration')!), 'prometheus')) / 1e9,
      };
    }
    if (f.name === 'BytesFilter')
      return { kind: 'bytes', name, op, value: parseBytes(this.text(f.getChild('Bytes')!)) };
    const lit = f.getChild('LiteralExpr') ?? f.getChild('Number');
    return { kind: 'number', name, op, value: Number(this.text(lit!)) };
  }

  // ---- metric expressions ----

  metric(n: SyntaxNode): MetricExpr {
    const kids = this.children(n);
    // Parenthesised: ( MetricExpr )
    const inner = kids.find((k) => k.name === 'MetricExpr');
    if (
      inner &&
      kids.length === 1 + kids.filter((k) => !k.type.isSkipped && k.name !== 'MetricExpr').length &&
      this.text(n).trim().startsWith('(')
    ) {
      return this.metric(inner);
    }
    const c = kids.find((k) => k.name !== '(' && k.name !== ')')!;
    switch (c.name) {
      case 'RangeAggregationExpr':
        return this.rangeAgg(c);
      case 'VectorAggregationExpr':
        return this.vectorAgg(c);
      case 'BinOpExpr':
        return this.binary(c);
      case 'LiteralExpr':
        return { kind: 'literal', value: this.literal(c) };
      case 'VectorExpr':
        return { kind: 'vectorLiteral', value: Number(this.text(c.getChild('Number')!)) };
      case 'LabelReplaceExpr': {
        const strs = c.getChildren('String').map((s) => this.string(s));
        const [dst, replacement, src, regex] = strs as [string, string, string, string];
        return {
          kind: 'labelReplace',
          expr: this.metric(c.getChild('MetricExpr')!),
          dst,
          replacement,
          src,
          re: compileRegex(regex, true),
        };
      }
      case 'MetricExpr':
        return this.metric(c);
      default:
        throw new UnsupportedError(this.text(c));
    }
  }

  literal(n: SyntaxNode): number {
    return Number(this.text(n).replace(/\s+/g, ''));
  }

  rangeAgg(n: SyntaxNode): MetricExpr {
    const op = this.text(n.getChild('RangeOp')!) as RangeOp;
    const lre = n.getChild('LogRangeExpr')!;
    const range = this.logRange(lre);
    const num = n.getChild('Number');
    const grouping = n.getChild('Grouping');
    const out: MetricExpr = { kind: 'range', op, range };
    if (num) out.param = Number(this.text(num));
    if (op === 'quantile_over_time' && out.param === undefined)
      throw new ParseError('parse error: quantile_over_time needs a parameter');
    if (grouping) out.grouping = this.grouping(grouping);
    const needsUnwrap = ![
      'count_over_time',
      'rate',
      'bytes_over_time',
      'bytes_rate',
      'absent_over_time',
    ].includes(op);
    if (needsUnwrap && !range.unwrap)
      throw new ParseError(`parse error: invalid aggregation ${op} without unwrap`);
    if (!needsUnwrap && op !== 'rate' && range.unwrap)
      throw new ParseError(`parse error: invalid aggregation ${op} with unwrap`);
    return out;
  }

  logRange(n: SyntaxNode): LogRange {
    // Either `{sel} | pipeline [range] | unwrap ...` or `({sel} | pipeline)[range]`.
    const sel = n.getChild('Selector');
    let selector: LogSelector;
    if (sel) {
      const pipe = n.getChild('PipelineExpr');
      selector = { matchers: this.selector(sel), stages: pipe ? this.pipeline(pipe) : [] };
    } else {
      const le = n.getChild('LogExpr');
      if (!le) throw new ParseError('parse error: expected a log range');
      selector = this.logExpr(le);
    }
    const rangeNode = n.getChild('Range')!;
    const rangeNs = parseDuration(this.text(rangeNode.getChild('Duration')!), 'prometheus');
    const off = n.getChild('OffsetExpr');
    const offsetNs = off ? parseDuration(this.text(off.getChild('Duration')!), 'prometheus') : 0n;
    const out: LogRange = { selector, rangeNs, offsetNs };
    const uw = n.getChild('UnwrapExpr');
    if (uw) out.unwrap = this.unwrap(uw);
    return out;
  }

  unwrap(n: SyntaxNode): NonNullable<LogRange['unwrap']> {
    const inner = n.getChild('UnwrapExpr');
    if (inner) {
      const base = this.unwrap(inner);
      const lf = n.getChild('LabelFilter');
      if (lf) base.filters.push(this.labelFilter(lf));
      return base;
    }
    const label = this.text(n.getChild('Identifier')!);
    const conv = n.getChild('ConvOp');
    const out: NonNullable<LogRange['unwrap']> = { label, filters: [] };
    if (conv) out.conversion = this.text(conv) as Conversion;
    return out;
  }

  grouping(n: SyntaxNode): Grouping {
    const without = !!n.getChild('Without');
    const labels: string[] = [];
    const ls = n.getChild('Labels');
    if (ls)
      ls.toTree().iterate({
        enter: (x) =>
          void (x.name === 'Identifier' && labels.push(this.q.slice(ls.from + x.from, ls.from + x.to))),
      });
    return { without, labels };
  }

  vectorAgg(n: SyntaxNode): MetricExpr {
    const op = this.text(n.getChild('VectorOp')!) as VectorOp;
    if (
      ![
        'sum',
        'avg',
        'min',
        'max',
        'count',
        'stddev',
        'stdvar',
        'topk',
        'bottomk',
        'sort',
        'sort_desc',
        'approx_topk',
      ].includes(op)
    ) {
      throw new UnsupportedError(op);
    }
    const expr = this.metric(n.getChild('MetricExpr')!);
    const out: MetricExpr = { kind: 'vector', op, expr };
    const num = n.getChild('Number');
    if (num) out.param = Number(this.text(num));
    if (
      (op === 'topk' || op === 'bottomk' || op === 'approx_topk') &&
      (out.param === undefined || !Number.isInteger(out.param) || out.param <= 0)
    ) {
      throw new ParseError(`parse error: invalid parameter for ${op}: must be a positive integer`);
    }
    const g = n.getChild('Grouping');
    if (g) out.grouping = this.grouping(g);
    return out;
  }

  /** Collects a chain of binary operators without parentheses: operands and operators in order. */
  binChain(n: SyntaxNode, operands: MetricExpr[], ops: Array<{ op: BinaryOp; mod: BinModifier }>): void {
    const kids = this.children(n);
    const exprs = kids.filter((k) => k.name === 'Expr');
    const opNode = kids.find((k) => k.name in BINARY_NODE)!;
    const modNode = kids.find((k) => k.name === 'BinOpModifier');
    const side = (e: SyntaxNode) => {
      const me = e.getChild('MetricExpr');
      const bin = me?.getChild('BinOpExpr');
      if (me && bin && me.firstChild?.name === 'BinOpExpr') this.binChain(bin, operands, ops);
      else if (me) operands.push(this.metric(me));
      else throw new ParseError('parse error: binary operations are only allowed between metric expressions');
    };
    side(exprs[0]!);
    ops.push({ op: BINARY_NODE[opNode.name]!, mod: this.modifier(modNode) });
    side(exprs[1]!);
  }

  modifier(n: SyntaxNode | undefined): BinModifier {
    if (!n) return { bool: false };
    const out: BinModifier = { bool: !!n.getChild('Bool') };
    const oi = n.getChild('OnOrIgnoringModifier');
    if (oi) {
      const labels: string[] = [];
      const gl = oi.getChild('GroupingLabels');
      if (gl)
        gl.toTree().iterate({
          enter: (x) =>
            void (x.name === 'LabelName' && labels.push(this.q.slice(gl.from + x.from, gl.from + x.to))),
        });
      const m: NonNullable<BinModifier['matching']> = { on: !!oi.getChild('On'), labels, include: [] };
      if (n.getChild('GroupLeft')) m.group = 'left';
      if (n.getChild('GroupRight')) m.group = 'right';
      const rest = this.q.slice(oi.to, n.to);
      const inc = /\(([^)]*)\)/.exec(rest);
      if (inc && m.group)
        m.include = inc[1]!
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
      out.matching = m;
    }
    return out;
  }

  binary(n: SyntaxNode): MetricExpr {
    const operands: MetricExpr[] = [];
    const ops: Array<{ op: BinaryOp; mod: BinModifier }> = [];
    this.binChain(n, operands, ops);
    // Precedence climbing; `^` is right-associative.
    let pos = 0;
    // operands[i] sits left of ops[i].
    const climb = (minPrec: number): MetricExpr => {
      let left = operands[pos]!;
      while (pos < ops.length && BINARY_PRECEDENCE[ops[pos]!.op] >= minPrec) {
        const { op, mod } = ops[pos]!;
        const prec = BINARY_PRECEDENCE[op];
        pos++;
        const right = climb(op === '^' ? prec : prec + 1);
        left = this.makeBinary(op, mod, left, right);
      }
      return left;
    };
    return climb(0);
  }

  makeBinary(op: BinaryOp, mod: BinModifier, left: MetricExpr, right: MetricExpr): MetricExpr {
    const isCmp = ['==', '!=', '>', '>=', '<', '<='].includes(op);
    if (mod.bool && !isCmp)
      throw new ParseError('parse error: bool modifier can only be used on comparison operators');
    if (
      (op === 'and' || op === 'or' || op === 'unless') &&
      (left.kind === 'literal' || right.kind === 'literal')
    ) {
      throw new ParseError(`parse error: set operator ${op} not allowed in binary scalar expression`);
    }
    const out: MetricExpr = { kind: 'binary', op, bool: mod.bool, left, right };
    if (mod.matching) out.matching = mod.matching;
    return out;
  }
}

function matchesEmpty(m: LabelMatcher): boolean {
  if (m.op === '=') return m.value === '';
  if (m.op === '=~') return m.re!.matches('');
  return true;
}

/** Splits a json parser expression `a.b[0]["c d"]` into path parts. */
function jsonPath(expr: string): string[] {
  const parts: string[] = [];
  const re = /\.?([a-zA-Z0-9_$-]+)|\[(\d+)\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]/gy;
  let consumed = 0;
  re.lastIndex = 0;
  for (let m = re.exec(expr); m !== null; m = re.exec(expr)) {
    parts.push(m[1] ?? m[2] ?? JSON.parse(`"${m[3]}"`));
    consumed = re.lastIndex;
  }
  if (consumed !== expr.length)
    throw new ParseError(`parse error: invalid json expression ${JSON.stringify(expr)}`);
  return parts;
}
