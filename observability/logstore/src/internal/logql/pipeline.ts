// Runs a log pipeline (line filters, parsers, label filters, formatters) over one entry, as Loki does:
// labels start as the stream labels plus the entry's structured metadata; a parsed label that
// collides with a stream label gets the `_extracted` suffix; parse and conversion failures set
// `__error__` (and `__error_details__`) instead of dropping the line.
import { matchesLabel, parseDuration } from '@opsight/contracts/codecs';
import type { LabelFilterExpr, LineFilterStage, Stage } from './ast.js';
import { lineHasIp } from './ip-matcher.js';
import { matchPattern } from './pattern.js';
import { parseBytes } from './units.js';

export type MutableLabels = Record<string, string>;

export interface PipelineInput {
  ts: bigint;
  line: string;
  streamLabels: Record<string, string>;
  metadata?: Record<string, string> | undefined;
  /** Metadata as stored (JSON text), parsed only when needed; used when `metadata` is absent. */
  metaRaw?: string | null;
}

export interface PipelineOutput {
  line: string;
  labels: MutableLabels;
}

export function lineFilterMatches(f: LineFilterStage, line: string): boolean {
  switch (f.op) {
    case '|=':
      if (f.ips) return f.ips.some((m) => lineHasIp(m, line));
      return f.values.some((v) => line.includes(v));
    case '!=':
      if (f.ips) return !f.ips.some((m) => lineHasIp(m, line));
      return !f.values.some((v) => line.includes(v));
    case '|~':
      return f.res!.some((r) => r.test(line));
    case '!~':
      return !f.res!.some((r) => r.test(line));
    case '|>':
      return f.patterns!.some((p) => matchPattern(p, line) !== null);
    case '!>':
      return !f.patterns!.some((p) => matchPattern(p, line) !== null);
  }
}

const INVALID_LABEL_CHARS = /[^a-zA-Z0-9_]/g;

const sanitized = new Map<string, string>();

function sanitize(name: string): string {
  const cached = sanitized.get(name);
  if (cached !== undefined) return cached;
  let n = name.replace(INVALID_LABEL_CHARS, '_');
  if (/^[0-9]/.test(n)) n = `_${n}`;
  if (sanitized.size < 10_000) sanitized.set(name, n);
  return n;
}

/** Labels a query needs from the parsers; undefined means all (see compilePipeline). */
let wanted: Set<string> | undefined;
/** The JSON field names that can set a wanted label (a wanted name, or one wanted with `_extracted`). */
let wantedFields: WantedFields | undefined;

/** The labels a query reads, prepared for the `| json` parser. */
class WantedFields {
  readonly names = new Set<string>();
  /** Lengths of `names`: a field whose name has none of them is skipped before its name is built. */
  readonly lengths = new Set<number>();
  /** The longest of `names`: no wanted label lies under an object whose name is at least as long. */
  longest = 0;

  constructor(want: Set<string>) {
    for (const w of want) {
      this.names.add(w);
      if (w.endsWith(EXTRACTED)) this.names.add(w.slice(0, -EXTRACTED.length));
    }
    for (const n of this.names) {
      this.lengths.add(n.length);
      this.longest = Math.max(this.longest, n.length);
    }
  }
}

const EXTRACTED = '_extracted';

function setParsed(labels: MutableLabels, base: Record<string, string>, name: string, value: string): void {
  const key = base[name] !== undefined ? `${name}_extracted` : name;
  if (wanted !== undefined && !wanted.has(key)) return;
  labels[key] = value;
}

function hasError(labels: MutableLabels): boolean {
  return labels.__error__ !== undefined;
}

function setError(labels: MutableLabels, error: string, details: string): void {
  if (hasError(labels)) return;
  labels.__error__ = error;
  labels.__error_details__ = details;
}

function jsonValue(v: unknown): string | undefined {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Sets every scalar of a JSON object as a label, nested keys joined with `_`; arrays are skipped. */
function flattenJson(
  obj: Record<string, unknown>,
  prefix: string,
  labels: MutableLabels,
  base: Record<string, string>,
): void {
  const want = wantedFields;
  for (const k in obj) {
    const v = obj[k];
    const isObject = v !== null && typeof v === 'object';
    if (want !== undefined) {
      // A sanitized key is as long as the key, plus the `_` before a leading digit.
      const c = k.charCodeAt(0);
      const length = (prefix ? prefix.length + 1 : 0) + k.length + (c >= 0x30 && c <= 0x39 ? 1 : 0);
      if (isObject ? length + 1 >= want.longest : !want.lengths.has(length)) continue;
    }
    const name = prefix ? `${prefix}_${sanitize(k)}` : sanitize(k);
    if (isObject) {
      if (!Array.isArray(v)) flattenJson(v as Record<string, unknown>, name, labels, base);
      continue;
    }
    if (want !== undefined && !want.names.has(name)) continue;
    const s = jsonValue(v);
    if (s !== undefined) setParsed(labels, base, name, s);
  }
}

function jsonAt(doc: unknown, path: string[]): string | undefined {
  let cur: unknown = doc;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(p)) return undefined;
      cur = cur[Number(p)];
    } else cur = (cur as Record<string, unknown>)[p];
    if (cur === undefined) return undefined;
  }
  if (cur !== null && typeof cur === 'object') return JSON.stringify(cur);
  return jsonValue(cur);
}

/** logfmt: key=value, key="quoted value", bare keys. Returns pairs, or an error position. */
export function parseLogfmt(
  line: string,
  strict: boolean,
): { pairs: Array<[string, string]>; error?: string } {
  const pairs: Array<[string, string]> = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && line[i]! <= ' ') i++;
    if (i >= n) break;
    const ks = i;
    while (i < n && line[i]! > ' ' && line[i] !== '=' && line[i] !== '"') i++;
    const key = line.slice(ks, i);
    if (key === '') {
      if (strict) return { pairs, error: `logfmt syntax error at pos ${i + 1} : unexpected '${line[i]}'` };
      i++;
      while (i < n && line[i]! > ' ') i++;
      continue;
    }
    if (line[i] !== '=') {
      pairs.push([key, '']);
      continue;
    }
    i++;
    if (line[i] === '"') {
      i++;
      let v = '';
      let closed = false;
      while (i < n) {
        const c = line[i]!;
        if (c === '\\' && i + 1 < n) {
          const e = line[i + 1]!;
          v += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
          i += 2;
          continue;
        }
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        v += c;
        i++;
      }
      if (!closed && strict)
        return { pairs, error: `logfmt syntax error at pos ${i + 1} : unterminated quoted value` };
      pairs.push([key, v]);
    } else {
      const vs = i;
      while (i < n && line[i]! > ' ') i++;
      pairs.push([key, line.slice(vs, i)]);
    }
  }
  return { pairs };
}

export function labelFilterMatches(f: LabelFilterExpr, labels: MutableLabels): boolean {
  switch (f.kind) {
    case 'and':
      return labelFilterMatches(f.left, labels) && labelFilterMatches(f.right, labels);
    case 'or':
      return labelFilterMatches(f.left, labels) || labelFilterMatches(f.right, labels);
    case 'matcher':
      return matchesLabel(f.matcher, labels[f.matcher.name]);
    case 'ip': {
      const v = labels[f.name];
      if (v === undefined) return false;
      return f.ip.matches(v) !== f.negate;
    }
    default: {
      // A label that is already in error passes numeric filters untouched (Loki).
      if (hasError(labels) && f.name !== '__error__') return true;
      const raw = labels[f.name];
      if (raw === undefined) return false;
      let v: number;
      try {
        if (f.kind === 'duration') v = Number(parseDuration(raw, 'prometheus')) / 1e9;
        else if (f.kind === 'bytes') v = parseBytes(raw);
        else {
          v = raw.trim() === '' ? Number.NaN : Number(raw);
          if (Number.isNaN(v))
            throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(raw)}: invalid syntax`);
        }
      } catch (e) {
        setError(labels, 'LabelFilterErr', (e as Error).message);
        return true;
      }
      return compare(f.op, v, f.value);
    }
  }
}

export function compare(op: string, a: number, b: number): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    default:
      return a <= b;
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC.
const ANSI = /\x1b\[[0-9;?]*[a-zA-Z]/g;

/**
 * Compiles stages into a function from one entry to its output (or null when filtered out).
 * `want`, when given, names the only labels the caller will look at: parsers then skip setting the
 * others (the result for those labels is the same; it saves building labels nobody reads).
 */
export function compilePipeline(
  stages: Stage[],
  want?: Set<string>,
): (input: PipelineInput) => PipelineOutput | null {
  // Metadata (JSON text) is parsed only when it may hold a wanted name as a key.
  const wantInMeta = want
    ? new RegExp(`"(?:${[...want].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})"`)
    : undefined;
  const fields = want ? new WantedFields(want) : undefined;
  return (input) => {
    wanted = want;
    wantedFields = fields;
    let line = input.line;
    const base = input.streamLabels;
    const labels: MutableLabels = { ...base };
    let md = input.metadata;
    if (!md && input.metaRaw) {
      const raw = input.metaRaw;
      if (!wantInMeta || wantInMeta.test(raw)) md = JSON.parse(raw) as Record<string, string>;
    }
    if (md) for (const k in md) labels[k] = md[k]!;
    for (const s of stages) {
      switch (s.kind) {
        case 'lineFilter':
          if (!lineFilterMatches(s, line)) return null;
          break;
        case 'json': {
          let doc: unknown;
          try {
            doc = JSON.parse(line);
          } catch (e) {
            setError(labels, 'JSONParserErr', (e as Error).message);
            break;
          }
          if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
            setError(labels, 'JSONParserErr', "Value looks like object, but can't find closing '}' symbol");
            break;
          }
          if (s.params) {
            for (const [name, path] of s.params) {
              const v = jsonAt(doc, path);
              setParsed(labels, base, name, v ?? '');
            }
          } else {
            flattenJson(doc as Record<string, unknown>, '', labels, base);
          }
          break;
        }
        case 'logfmt': {
          const { pairs, error } = parseLogfmt(line, s.strict);
          if (error) setError(labels, 'LogfmtParserErr', error);
          if (s.params) {
            const found = new Map(pairs);
            for (const [name, key] of s.params) {
              const v = found.get(key);
              if (v !== undefined) setParsed(labels, base, name, v);
            }
          } else {
            for (const [k, v] of pairs) {
              if (v === '' && !s.keepEmpty) continue;
              setParsed(labels, base, sanitize(k), v);
            }
          }
          break;
        }
        case 'regexp': {
          const m = s.re.matcher(line);
          if (m.find()) {
            for (const name of s.names) {
              const v = m.group(name);
              if (v !== null && v !== undefined) setParsed(labels, base, name, v);
            }
          }
          break;
        }
        case 'pattern': {
          const caps = matchPattern(s.pattern, line);
          if (caps) for (const [k, v] of caps) setParsed(labels, base, k, v);
          break;
        }
        case 'unpack': {
          let doc: unknown;
          try {
            doc = JSON.parse(line);
          } catch (e) {
            setError(labels, 'JSONParserErr', (e as Error).message);
            break;
          }
          if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) break;
          for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
            if (typeof v !== 'string') continue;
            if (k === '_entry') line = v;
            else setParsed(labels, base, sanitize(k), v);
          }
          break;
        }
        case 'labelFilter':
          if (!labelFilterMatches(s.filter, labels)) return null;
          break;
        case 'lineFormat':
          line = s.template.render({ labels, line, ts: input.ts });
          break;
        case 'labelFormat': {
          const snapshot = { ...labels };
          for (const item of s.items) {
            if (item.template)
              labels[item.dst] = item.template.render({ labels: snapshot, line, ts: input.ts });
            else {
              const v = snapshot[item.src!];
              if (item.src !== item.dst) delete labels[item.src!];
              if (v !== undefined) labels[item.dst] = v;
            }
          }
          break;
        }
        case 'drop':
          for (const item of s.items) {
            if (!(item.name in labels)) continue;
            if (!item.matcher || matchesLabel(item.matcher, labels[item.name])) delete labels[item.name];
          }
          break;
        case 'keep': {
          const keep = new Set<string>();
          for (const item of s.items) {
            if (item.name in labels && (!item.matcher || matchesLabel(item.matcher, labels[item.name])))
              keep.add(item.name);
          }
          for (const k of Object.keys(labels)) if (!keep.has(k)) delete labels[k];
          break;
        }
        case 'decolorize':
          line = line.replace(ANSI, '');
          break;
      }
    }
    return { line, labels };
  };
}
