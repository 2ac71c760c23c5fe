import { type Token, tokenize } from './lexer.js';

/** One module a source file names: by `import`, `export … from`, `import()`, `require()` or a resolve call. */
export interface ImportSpecifier {
  /** The specifier as written, e.g. `@opsight/contracts/proto` or `../x.js`. */
  specifier: string;
  /** 1-based line of the specifier in the file. */
  line: number;
}

const is = (t: Token | undefined, kind: Token['kind'], text?: string) =>
  t !== undefined && t.kind === kind && (text === undefined || t.text === text);

/**
 * The string after `from` in `import … from 'x'` / `export … from 'x'`, searching forward from token
 * `start` to the end of the statement; undefined when there is none.
 */
function fromClause(tokens: Token[], start: number): Token | undefined {
  for (let j = start; j < tokens.length; j++) {
    const t = tokens[j]!;
    if (t.kind === 'punct' && (t.text === ';' || t.text === '(' || t.text === '=')) return undefined;
    if (t.kind === 'string') return undefined;
    if (is(t, 'word', 'from') && is(tokens[j + 1], 'string')) return tokens[j + 1];
  }
  return undefined;
}

/** Every module specifier in a TypeScript or JavaScript source text, in order of appearance. */
export function importSpecifiers(text: string): ImportSpecifier[] {
  const tokens = tokenize(text);
  const found: Token[] = [];
  for (let j = 0; j < tokens.length; j++) {
    const t = tokens[j]!;
    const next = tokens[j + 1];
    const afterDot = is(tokens[j - 1], 'punct', '.');
    if (t.kind !== 'word' || afterDot) continue;
    if (t.text === 'import') {
      if (is(next, 'string'))
        found.push(next!); // import 'x'
      else if (is(next, 'punct', '(') && is(tokens[j + 2], 'string'))
        found.push(tokens[j + 2]!); // import('x')
      else if (is(next, 'punct', '.')) {
        // import.meta.resolve('x')
        if (
          is(tokens[j + 2], 'word', 'meta') &&
          is(tokens[j + 3], 'punct', '.') &&
          is(tokens[j + 4], 'word', 'resolve') &&
          is(tokens[j + 5], 'punct', '(') &&
          is(tokens[j + 6], 'string')
        )
          found.push(tokens[j + 6]!);
      } else {
        const from = fromClause(tokens, j + 1); // import x from 'x', import x = require('x') below
        if (from) found.push(from);
      }
    } else if (
      t.text === 'export' &&
      (is(next, 'punct', '{') || is(next, 'punct', '*') || is(next, 'word', 'type'))
    ) {
      const from = fromClause(tokens, j + 1);
      if (from) found.push(from);
    } else if (t.text === 'require') {
      if (is(next, 'punct', '(') && is(tokens[j + 2], 'string')) found.push(tokens[j + 2]!);
      else if (
        is(next, 'punct', '.') &&
        is(tokens[j + 2], 'word', 'resolve') &&
        is(tokens[j + 3], 'punct', '(') &&
        is(tokens[j + 4], 'string')
      )
        found.push(tokens[j + 4]!);
    }
  }
  const lineAt = (pos: number) => {
    let line = 1;
    for (let k = text.indexOf('\n'); k !== -1 && k < pos; k = text.indexOf('\n', k + 1)) line++;
    return line;
  };
  return found.map((t) => ({ specifier: t.text, line: lineAt(t.pos) }));
}

/**
 * The package a bare specifier names (`@opsight/contracts/proto` → `@opsight/contracts`, `yaml/util` →
 * `yaml`), or undefined for a relative or absolute path, a URL, or a `#` subpath import.
 */
export function packageOf(specifier: string): string | undefined {
  if (/^(\.{1,2}(\/|$)|\/|#|[a-z][a-z0-9+.-]*:)/i.test(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}
