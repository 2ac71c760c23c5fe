// Durations as Go writes them ("1.5s", "300ms", "2h45m", "500us"), the format of Jaeger's minDuration and
// maxDuration parameters. Returns nanoseconds, or null when the text is not a duration.
const unitNs: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

export function parseGoDuration(text: string): bigint | null {
  const match = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(text);
  if (text === '0') return 0n;
  if (!match) return null;
  let total = 0;
  for (const part of text.replace(/^[-+]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * unitNs[part[2]!]!;
  }
  const ns = BigInt(Math.round(total));
  return match[1] === '-' ? -ns : ns;
}
