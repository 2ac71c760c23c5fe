/** A token of JavaScript or TypeScript source, as far as finding imports needs it. */
export interface Token {
  /** `string` for a quoted string literal (its value in `text`), `word` for a name, `punct` for one character. */
  kind: 'string' | 'word' | 'punct';
  text: string;
  /** Offset of the token in the source. */
  pos: number;
}

const WORD = /[A-Za-z0-9_$]/;
// After these, a `/` starts a regular expression literal rather than a division.
const REGEX_AFTER_PUNCT = new Set('(,=:[!&|?{};+-*%<>~^'.split(''));
const REGEX_AFTER_WORD = new Set([
  'return',
  'typeof',
  'case',
  'do',
  'else',
  'in',
  'of',
  'void',
  'yield',
  'await',
]);

/**
 * Splits source text into words, punctuation and string literals; comments, template literals (with
 * their `${…}` parts) and regular expression literals are skipped, so text inside them is never taken
 * for code.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  // Brace depth of each open template substitution, innermost last.
  const templates: number[] = [];
  let depth = 0;

  const regexAllowed = () => {
    const last = tokens.at(-1);
    if (!last) return true;
    if (last.kind === 'punct') return REGEX_AFTER_PUNCT.has(last.text);
    return last.kind === 'word' && REGEX_AFTER_WORD.has(last.text);
  };
  const skipTemplate = () => {
    // At the character after a backtick or after the `}` closing a substitution.
    while (i < text.length) {
      const c = text[i];
      if (c === '\\') i += 2;
      else if (c === '`') {
        i++;
        return;
      } else if (c === '$' && text[i + 1] === '{') {
        i += 2;
        templates.push(depth);
        depth++;
        return;
      } else i++;
    }
  };

  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === '"' || c === "'") {
      const start = i;
      let value = '';
      i++;
      while (i < text.length && text[i] !== c && text[i] !== '\n') {
        if (text[i] === '\\') {
          value += text[i + 1] ?? '';
          i += 2;
        } else value += text[i++];
      }
      i++;
      tokens.push({ kind: 'string', text: value, pos: start });
    } else if (c === '`') {
      i++;
      skipTemplate();
    } else if (c === '/' && regexAllowed()) {
      let inClass = false;
      i++;
      while (i < text.length && text[i] !== '\n') {
        const r = text[i];
        if (r === '\\') i++;
        else if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
        else if (r === '/' && !inClass) break;
        i++;
      }
      i++;
      while (i < text.length && WORD.test(text[i]!)) i++;
      // Stands for the literal: a value, after which a `/` divides.
      tokens.push({ kind: 'punct', text: ')', pos: i });
    } else if (WORD.test(c)) {
      const start = i;
      while (i < text.length && WORD.test(text[i]!)) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i), pos: start });
    } else if (/\s/.test(c)) {
      i++;
    } else {
      if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (templates.length > 0 && templates.at(-1) === depth) {
          templates.pop();
          i++;
          skipTemplate();
          continue;
        }
      }
      tokens.push({ kind: 'punct', text: c, pos: i });
      i++;
    }
  }
  return tokens;
}

/** The text with its comments blanked out (line breaks kept), e.g. a tsconfig.json before JSON.parse. */
export function withoutComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      out += text.slice(start, ++i);
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else out += text[i++];
  }
  return out;
}
