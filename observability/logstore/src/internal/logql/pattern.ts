// The pattern parser and the `|>` line filter: `<name>` captures, `<_>` skips, literals between.
import type { PatternMatcher } from './ast.js';
import { ParseError } from './parse-error.js';

export function compilePattern(source: string, needsCapture: boolean): PatternMatcher {
  const parts: PatternMatcher['parts'] = [];
  const re = /<([a-zA-Z_][a-zA-Z0-9_]*)>/g;
  let last = 0;
  for (let m = re.exec(source); m !== null; m = re.exec(source)) {
    if (m.index > last) parts.push({ literal: source.slice(last, m.index) });
    const prev = parts[parts.length - 1];
    if (prev && 'capture' in prev)
      throw new ParseError(`parse error: invalid pattern ${JSON.stringify(source)}: consecutive captures`);
    parts.push({ capture: m[1]! });
    last = re.lastIndex;
  }
  if (last < source.length) parts.push({ literal: source.slice(last) });
  const names = parts.flatMap((p) => ('capture' in p && p.capture !== '_' ? [p.capture] : []));
  if (needsCapture && names.length === 0) {
    throw new ParseError(
      `parse error: invalid pattern ${JSON.stringify(source)}: at least one capture is required`,
    );
  }
  if (new Set(names).size !== names.length)
    throw new ParseError(`parse error: invalid pattern ${JSON.stringify(source)}: duplicate capture`);
  return { parts };
}

/**
 * Matches a line against a pattern. Captures take the text up to the next literal (the last capture
 * takes the rest of the line); the match fails when a literal is missing. Returns captures or null.
 */
export function matchPattern(p: PatternMatcher, line: string): Array<[string, string]> | null {
  const out: Array<[string, string]> = [];
  let at = 0;
  const { parts } = p;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if ('literal' in part) {
      if (i === 0) {
        if (!line.startsWith(part.literal)) return null;
        at = part.literal.length;
      } else {
        const idx = line.indexOf(part.literal, at);
        if (idx < 0) return null;
        at = idx + part.literal.length;
      }
      continue;
    }
    const next = parts[i + 1];
    if (!next) {
      out.push([part.capture, line.slice(at)]);
      at = line.length;
      break;
    }
    const lit = (next as { literal: string }).literal;
    const idx = line.indexOf(lit, at);
    if (idx < 0) return null;
    out.push([part.capture, line.slice(at, idx)]);
    at = idx;
  }
  return out.filter(([n]) => n !== '_');
}
