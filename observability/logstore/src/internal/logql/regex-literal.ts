// The literal text every match of a regex contains, found from its source conservatively: a `|~` filter
// whose regex requires a literal can let the storage skip lines without it before the regex runs.

/** Characters that stand for themselves after a backslash (RE2 punctuation escapes). */
const ESCAPED_LITERAL = /[!-/:-@[-`{-~]/;

/**
 * The longest run of literal characters that every match of the RE2 regex `source` contains, or undefined
 * when none is sure: an alternation, a flag group, a counted repetition, a non-ASCII character or any
 * construct this reader does not follow gives none. An optional character (`?`, `*`) ends a run without
 * being part of it.
 */
export function requiredLiteral(source: string): string | undefined {
  // Non-ASCII text (a needle must match the stored UTF-8 bytes as is) and `{…}` are not followed.
  if (!/^[\x20-\x7e]*$/.test(source) || source.includes('{')) return undefined;
  let best = '';
  let run = '';
  const end = () => {
    if (run.length > best.length) best = run;
    run = '';
  };
  let depth = 0;
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    let literal: string | undefined;
    let width = 1;
    if (c === '\\') {
      const n = source[i + 1];
      if (n === undefined) return undefined;
      // Classes (\d \w \s \b …), \Q…\E, \pN, octal and hex escapes are not followed.
      if (!ESCAPED_LITERAL.test(n)) return undefined;
      literal = n;
      width = 2;
    } else if (c === '|') {
      return undefined;
    } else if (c === '(') {
      // Flags such as (?i) change what matches; other groups end the run.
      if (source[i + 1] === '?' && source[i + 2] !== ':' && source[i + 2] !== 'P' && source[i + 2] !== '<')
        return undefined;
      depth++;
      end();
      i++;
      continue;
    } else if (c === ')') {
      depth--;
      end();
      i++;
      continue;
    } else if (c === '[') {
      // A class: skip to its end (a `]` first in it, or after `^`, is literal).
      let j = i + 1;
      if (source[j] === '^') j++;
      if (source[j] === ']') j++;
      while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
      if (j >= source.length) return undefined;
      end();
      i = j + 1;
      continue;
    } else if ('.^$'.includes(c)) {
      end();
      i++;
      continue;
    } else if ('*+?'.includes(c)) {
      // A quantifier with nothing before it: not followed.
      return undefined;
    } else {
      literal = c;
    }
    if (depth > 0) {
      // Inside a group: the group may be repeated or optional as a whole; not followed.
      i += width;
      continue;
    }
    const q = source[i + width];
    if (q === '?' || q === '*') {
      // The character may be absent.
      end();
      i += width + 1;
      continue;
    }
    run += literal;
    if (q === '+') {
      // Present at least once: it ends the run.
      end();
      i += width + 1;
      continue;
    }
    i += width;
  }
  end();
  return best === '' ? undefined : best;
}
