// Durations as Go and Prometheus write them: a sequence of decimal numbers, each with a unit (`1h30m`,
// `1.5s`, `500ms`, `300us`), an optional sign, and the bare `0`. Prometheus (and so LogQL) adds days,
// weeks and years; Go stops at hours.

/** Which units a duration may use: Go's (`ns` … `h`) or Prometheus's (`ns` … `h`, `d`, `w`, `y`). */
export type DurationUnits = 'go' | 'prometheus';

const NS_PER_UNIT: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 7n * 86_400_000_000_000n,
  y: 365n * 86_400_000_000_000n,
};

const GO_UNITS = new Set(['ns', 'us', 'µs', 'μs', 'ms', 's', 'm', 'h']);
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d|w|y)/y;

/**
 * Parses a duration into nanoseconds. Surrounding whitespace is ignored; anything else that is not a
 * duration in the chosen units throws a RangeError naming the text.
 *
 * @param units which units are allowed. @default 'go'
 */
export function parseDuration(text: string, units: DurationUnits = 'go'): bigint {
  const invalid = () => new RangeError(`invalid duration ${JSON.stringify(text)}`);
  let rest = text.trim();
  let sign = 1n;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1n;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') throw invalid();
  let total = 0n;
  let at = 0;
  while (at < rest.length) {
    PART.lastIndex = at;
    const m = PART.exec(rest);
    if (!m || (units === 'go' && !GO_UNITS.has(m[2]!))) throw invalid();
    const unit = NS_PER_UNIT[m[2]!]!;
    const [whole = '', fraction = ''] = m[1]!.split('.');
    total += BigInt(whole || '0') * unit;
    if (fraction !== '') total += BigInt(Math.round(Number(`0.${fraction}`) * Number(unit)));
    at = PART.lastIndex;
  }
  return sign * total;
}

/** Parses a duration as {@link parseDuration} does, or returns null when the text is not one. */
export function tryParseDuration(text: string, units: DurationUnits = 'go'): bigint | null {
  try {
    return parseDuration(text, units);
  } catch {
    return null;
  }
}

/**
 * Writes nanoseconds as Go's `time.Duration.String` does: `1h30m0s`, `1.5s`, `500ms`, `300µs`, `0s`.
 * Parsing the result with {@link parseDuration} gives the same number back.
 */
export function formatDuration(ns: bigint): string {
  if (ns === 0n) return '0s';
  const sign = ns < 0n ? '-' : '';
  const abs = ns < 0n ? -ns : ns;
  if (abs < 1_000_000_000n) {
    const [unit, size] = abs < 1_000n ? ['ns', 1n] : abs < 1_000_000n ? ['µs', 1_000n] : ['ms', 1_000_000n];
    return `${sign}${decimal(abs, size as bigint)}${unit}`;
  }
  const hours = abs / 3_600_000_000_000n;
  const minutes = (abs / 60_000_000_000n) % 60n;
  const seconds = decimal(abs % 60_000_000_000n, 1_000_000_000n);
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0n) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

/** `value / size` in decimal, without trailing zeros in the fraction. */
function decimal(value: bigint, size: bigint): string {
  const whole = value / size;
  const digits = size.toString().length - 1;
  const fraction = (value % size).toString().padStart(digits, '0').replace(/0+$/, '');
  return fraction === '' ? whole.toString() : `${whole}.${fraction}`;
}
