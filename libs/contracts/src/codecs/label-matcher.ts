// Label matchers as Prometheus and Loki selectors write them: `name="v"`, `name!="v"`, `name=~"re"`,
// `name!~"re"`. Regexes have RE2 semantics (re2js: linear time, so a user's regex cannot stall a store)
// and match the whole value, as Prometheus anchors them.
import { RE2JS } from 're2js';

/** A matcher's operator. */
export type MatchOp = '=' | '!=' | '=~' | '!~';

/** The operators, in the order selectors list them. */
export const MATCH_OPS: readonly MatchOp[] = ['=', '!=', '=~', '!~'];

/** One label matcher. */
export interface LabelMatcher {
  /** The label's name. */
  name: string;
  /** How the value is compared. */
  op: MatchOp;
  /** The value, or the regex's source for `=~` and `!~`. */
  value: string;
  /** The regex, compiled and anchored, for `=~` and `!~`. */
  re?: RE2JS;
}

/** A regex that RE2 does not accept; the message names the source. */
export class RegexSyntaxError extends Error {
  constructor(
    /** The rejected source. */
    readonly source: string,
    reason: string,
  ) {
    super(`invalid regex ${JSON.stringify(source)}: ${reason}`);
  }
}

/**
 * Compiles a user's regex with RE2 semantics; throws {@link RegexSyntaxError} when it is not one.
 *
 * @param anchored match the whole text (`^(?:source)$`), as label matchers do; line filters do not.
 */
export function compileRegex(source: string, anchored: boolean): RE2JS {
  try {
    return RE2JS.compile(anchored ? `^(?:${source})$` : source);
  } catch (e) {
    throw new RegexSyntaxError(source, (e as Error).message);
  }
}

/** Builds a matcher, compiling the regex of `=~` and `!~` (a bad one throws {@link RegexSyntaxError}). */
export function labelMatcher(name: string, op: MatchOp, value: string): LabelMatcher {
  return op === '=~' || op === '!~'
    ? { name, op, value, re: compileRegex(value, true) }
    : { name, op, value };
}

/** Whether a label's value satisfies the matcher; a missing label matches as the empty string. */
export function matchesLabel(matcher: LabelMatcher, value: string | undefined): boolean {
  const v = value ?? '';
  switch (matcher.op) {
    case '=':
      return v === matcher.value;
    case '!=':
      return v !== matcher.value;
    case '=~':
      return regexOf(matcher).matches(v);
    case '!~':
      return !regexOf(matcher).matches(v);
  }
}

/** Whether a label set satisfies every matcher. */
export function matchesLabels(matchers: readonly LabelMatcher[], labels: Record<string, string>): boolean {
  return matchers.every((m) => matchesLabel(m, labels[m.name]));
}

function regexOf(matcher: LabelMatcher): RE2JS {
  matcher.re ??= compileRegex(matcher.value, true);
  return matcher.re;
}
