// Timestamps on the wire: RFC 3339 with up to nanosecond fractions, and the other forms the stores' HTTP
// APIs accept (Unix seconds, fractional seconds, nanoseconds), all as bigint Unix nanoseconds.

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|z|[+-]\d\d:\d\d)$/;

/**
 * Parses an RFC 3339 time with an optional fraction of up to nine digits
 * (`2026-11-26T08:00:00.123456789Z`, `2026-11-26T09:00:00+01:00`) into Unix nanoseconds; null when the text
 * is not one.
 */
export function parseRfc3339Nano(text: string): bigint | null {
  const match = RFC3339.exec(text);
  if (!match) return null;
  const ms = Date.parse(`${match[1]}${match[3]!.toUpperCase()}`);
  if (Number.isNaN(ms)) return null;
  return BigInt(ms) * 1_000_000n + BigInt((match[2] ?? '').padEnd(9, '0'));
}

/**
 * Writes Unix nanoseconds as RFC 3339 in UTC with all nine fraction digits, as container runtimes and
 * Go's `time.RFC3339Nano` layout (without its zero trimming) write it: `2026-11-26T06:10:55.123456789Z`.
 */
export function formatRfc3339Nano(ns: bigint): string {
  const seconds = ns >= 0n ? ns / 1_000_000_000n : (ns - 999_999_999n) / 1_000_000_000n;
  const fraction = (ns - seconds * 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}

/**
 * Parses a timestamp in any form Loki's and Prometheus's HTTP APIs accept, into Unix nanoseconds:
 * - float seconds: `1700000000.5`;
 * - an integer of ten digits or fewer: seconds (`1700000000`); longer: nanoseconds;
 * - a date and time `Date.parse` reads (RFC 3339 among them), keeping up to nine fraction digits.
 *
 * Throws a RangeError naming the text when it is none of these.
 */
export function parseTimestamp(text: string): bigint {
  if (/^\d+\.\d*$/.test(text)) {
    const [s, frac = ''] = text.split('.');
    return BigInt(s!) * 1_000_000_000n + BigInt(frac.padEnd(9, '0').slice(0, 9));
  }
  if (/^-?\d+$/.test(text)) {
    const n = BigInt(text);
    return text.replace('-', '').length <= 10 ? n * 1_000_000_000n : n;
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new RangeError(`cannot parse ${JSON.stringify(text)} to a valid timestamp`);
  const frac = /\.(\d+)/.exec(text)?.[1] ?? '';
  return BigInt(ms) * 1_000_000n + BigInt(frac.padEnd(9, '0').slice(3, 9) || '0');
}
