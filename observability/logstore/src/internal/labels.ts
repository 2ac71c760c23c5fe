// Label sets: parsing Loki's `{name="value", ...}` syntax, canonical form and fingerprint.
import { createHash } from 'node:crypto';

/** A label set as name → value, kept sorted by name in its canonical string. */
export type Labels = Record<string, string>;

const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function isValidLabelName(name: string): boolean {
  return NAME.test(name);
}

/** Escapes a label value the way Prometheus and Loki print it (Go's %q). */
export function quote(value: string): string {
  return JSON.stringify(value);
}

/** Canonical string: names sorted, values quoted: `{app="a", level="ERROR"}`. */
export function formatLabels(labels: Labels): string {
  const names = Object.keys(labels).sort();
  return `{${names.map((n) => `${n}=${quote(labels[n]!)}`).join(', ')}}`;
}

/** A stable 64-bit fingerprint of the canonical label string, as 16 hex digits. */
export function fingerprint(labels: Labels): string {
  return createHash('sha1').update(formatLabels(labels)).digest('hex').slice(0, 16);
}

export class LabelSyntaxError extends Error {}

/**
 * Parses Loki's label-set syntax `{a="b", c="d"}` (the protobuf push format's `labels` field).
 * Only equality matchers are allowed; values are Go-quoted strings (double quotes or backquotes).
 */
export function parseLabelSet(text: string): { labels: Labels; duplicate?: string } {
  let i = 0;
  const s = text.trim();
  const fail = (why: string): never => {
    throw new LabelSyntaxError(`1:${i + 1}: parse error: ${why}`);
  };
  const ws = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  if (s[i] !== '{') fail('unexpected input, expected {');
  i++;
  const labels: Labels = {};
  let duplicate: string | undefined;
  ws();
  if (s[i] === '}') {
    i++;
  } else {
    for (;;) {
      ws();
      const start = i;
      while (i < s.length && /[a-zA-Z0-9_]/.test(s[i]!)) i++;
      const name = s.slice(start, i);
      if (!isValidLabelName(name)) fail(`invalid label name "${name}"`);
      ws();
      if (s[i] !== '=') fail(`unexpected character after label name, expected =`);
      i++;
      if (s[i] === '~') fail('only equality matchers are allowed in a label set');
      ws();
      const value = readQuoted(s, i);
      if (!value) fail('expected a quoted label value');
      i = value!.end;
      if (name in labels && duplicate === undefined) duplicate = name;
      labels[name] = value!.value;
      ws();
      if (s[i] === ',') {
        i++;
        ws();
        if (s[i] === '}') {
          i++;
          break;
        }
        continue;
      }
      if (s[i] === '}') {
        i++;
        break;
      }
      fail('expected , or }');
    }
  }
  ws();
  if (i !== s.length) fail('unexpected input after }');
  return duplicate === undefined ? { labels } : { labels, duplicate };
}

/** Reads a Go-style quoted string ("…" with escapes, or `…`) at position `at`. */
export function readQuoted(s: string, at: number): { value: string; end: number } | undefined {
  const q = s[at];
  if (q === '`') {
    const end = s.indexOf('`', at + 1);
    if (end < 0) return undefined;
    return { value: s.slice(at + 1, end), end: end + 1 };
  }
  if (q !== '"') return undefined;
  let out = '';
  let i = at + 1;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '"') return { value: out, end: i + 1 };
    if (c === '\\') {
      const n = s[i + 1];
      i += 2;
      switch (n) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case '\\':
          out += '\\';
          break;
        case '"':
          out += '"';
          break;
        case "'":
          out += "'";
          break;
        case 'u': {
          const hex = s.slice(i, i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) return undefined;
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 4;
          break;
        }
        case 'x': {
          const hex = s.slice(i, i + 2);
          if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 2;
          break;
        }
        default:
          return undefined;
      }
      continue;
    }
    out += c;
    i++;
  }
  return undefined;
}
