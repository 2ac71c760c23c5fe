// The literal text every match of a regex contains, found from its source conservatively: a `|~` filter
// whose regex requires a literal can let the storage skip lines without it before the regex runs.

/** Characters that stand for themselves after a backslash (RE2 punctuation escapes). */
const ESCAPED_LITERAL = /[!-/:-@[-`{-~]/;
/** Escapes of a class of characters or of an empty-width assertion. */
const CLASS_ESCAPE = /[dDwWsSbBAz]/;

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
    if (depth > 0 && !'()[\\|'.includes(c)) {
      // Inside a group, which may be repeated or optional as a whole: not followed.
      i++;
      continue;
    }
    if (c === '\\') {
      const n = source[i + 1];
      if (n === undefined) return undefined;
      if (CLASS_ESCAPE.test(n)) {
        // A class (\d, \w, \s and their negations) or an assertion (\b, \A, \z): not a literal.
        end();
        i = pastQuantifier(source, i + 2);
        continue;
      }
      // \Q…\E, \pN, \x and octal escapes are not followed.
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
      i = pastQuantifier(source, i + 1);
      continue;
    } else if (c === '[') {
      // A class: skip to its end (a `]` first in it, or after `^`, is literal).
      let j = i + 1;
      if (source[j] === '^') j++;
      if (source[j] === ']') j++;
      while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
      if (j >= source.length) return undefined;
      end();
      i = pastQuantifier(source, j + 1);
      continue;
    } else if ('.^$'.includes(c)) {
      end();
      i = pastQuantifier(source, i + 1);
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

/** The index past a quantifier (`*`, `+`, `?`, and a lazy `?` after it) at `i`, or `i` when there is none. */
function pastQuantifier(source: string, i: number): number {
  const q = source[i];
  if (q === undefined || !'*+?'.includes(q)) return i;
  return source[i + 1] === '?' ? i + 2 : i + 1;
}
