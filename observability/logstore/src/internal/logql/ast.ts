// LogQL syntax tree, built from @grafana/lezer-logql's parse tree by parse.ts.
import type { LabelMatcher } from '@opsight/contracts/codecs';
import type { RE2JS } from 're2js';
import type { IpMatcher } from './ip-matcher.js';

export type { LabelMatcher, MatchOp } from '@opsight/contracts/codecs';

export type CompareOp = '==' | '!=' | '>' | '>=' | '<' | '<=';

export type LabelFilterExpr =
  | { kind: 'and' | 'or'; left: LabelFilterExpr; right: LabelFilterExpr }
  | { kind: 'matcher'; matcher: LabelMatcher }
  | { kind: 'number' | 'duration' | 'bytes'; name: string; op: CompareOp; value: number }
  | { kind: 'ip'; name: string; negate: boolean; ip: IpMatcher };

export interface LineFilterStage {
  kind: 'lineFilter';
  op: '|=' | '!=' | '|~' | '!~' | '|>' | '!>';
  /** Alternatives joined with `or`. */
  values: string[];
  res?: RE2JS[];
  patterns?: PatternMatcher[];
  /** `|= ip("…")` / `!= ip("…")`, alternatives joined with `or`. */
  ips?: IpMatcher[];
}

export interface PatternMatcher {
  /** Literal text and captures, alternating, as parsed from `<name>` placeholders. */
  parts: Array<{ literal: string } | { capture: string }>;
}

export interface TemplateNode {
  render(data: TemplateData): string;
}

export interface TemplateData {
  labels: Record<string, string>;
  line: string;
  ts: bigint;
}

export type Stage =
  | LineFilterStage
  | { kind: 'json'; params?: Array<[string, string[]]> }
  | { kind: 'logfmt'; strict: boolean; keepEmpty: boolean; params?: Array<[string, string]> }
  | { kind: 'regexp'; re: RE2JS; names: string[] }
  | { kind: 'pattern'; pattern: PatternMatcher }
  | { kind: 'unpack' }
  | { kind: 'labelFilter'; filter: LabelFilterExpr }
  | { kind: 'lineFormat'; template: TemplateNode }
  | { kind: 'labelFormat'; items: Array<{ dst: string; src?: string; template?: TemplateNode }> }
  | { kind: 'drop' | 'keep'; items: Array<{ name: string; matcher?: LabelMatcher }> }
  | { kind: 'decolorize' };

export interface LogSelector {
  matchers: LabelMatcher[];
  stages: Stage[];
}

export type Conversion = 'bytes' | 'duration' | 'duration_seconds';

export interface LogRange {
  selector: LogSelector;
  rangeNs: bigint;
  offsetNs: bigint;
  unwrap?: { label: string; conversion?: Conversion; filters: LabelFilterExpr[] };
}

export type RangeOp =
  | 'count_over_time'
  | 'rate'
  | 'rate_counter'
  | 'bytes_over_time'
  | 'bytes_rate'
  | 'avg_over_time'
  | 'sum_over_time'
  | 'min_over_time'
  | 'max_over_time'
  | 'stddev_over_time'
  | 'stdvar_over_time'
  | 'quantile_over_time'
  | 'first_over_time'
  | 'last_over_time'
  | 'absent_over_time';

export type VectorOp =
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'count'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'sort'
  | 'sort_desc'
  | 'approx_topk';

export type BinaryOp =
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '^'
  | '=='
  | '!='
  | '>'
  | '>='
  | '<'
  | '<='
  | 'and'
  | 'or'
  | 'unless';

export interface Grouping {
  without: boolean;
  labels: string[];
}

export type MetricExpr =
  | { kind: 'range'; op: RangeOp; param?: number; range: LogRange; grouping?: Grouping }
  | { kind: 'vector'; op: VectorOp; param?: number; grouping?: Grouping; expr: MetricExpr }
  | {
      kind: 'binary';
      op: BinaryOp;
      bool: boolean;
      matching?: { on: boolean; labels: string[]; group?: 'left' | 'right'; include: string[] };
      left: MetricExpr;
      right: MetricExpr;
    }
  | { kind: 'literal'; value: number }
  | { kind: 'vectorLiteral'; value: number }
  | { kind: 'labelReplace'; expr: MetricExpr; dst: string; replacement: string; src: string; re: RE2JS };

export type Query = { kind: 'log'; selector: LogSelector } | { kind: 'metric'; expr: MetricExpr };
