// Duration and byte-size literals as LogQL reads them.

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
  d: 86400e9,
  w: 7 * 86400e9,
  y: 365 * 86400e9,
};

/** Parses `1h30m`, `500ms`, `1.5s`, `7d` (Go and Prometheus duration syntax) into nanoseconds. */
export function parseDuration(text: string): number {
  const s = text.trim();
  let sign = 1;
  let rest = s;
  if (rest.startsWith('-')) {
    sign = -1;
    rest = rest.slice(1);
  } else if (rest.startsWith('+')) rest = rest.slice(1);
  if (rest === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d|w|y)/y;
  let total = 0;
  let at = 0;
  while (at < rest.length) {
    re.lastIndex = at;
    const m = re.exec(rest);
    if (!m) throw new RangeError(`invalid duration ${JSON.stringify(text)}`);
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    at = re.lastIndex;
  }
  if (rest.length === 0) throw new RangeError(`invalid duration ${JSON.stringify(text)}`);
  return sign * Math.round(total);
}

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 1024,
  ki: 1024,
  m: 1e6,
  mb: 1e6,
  mib: 1024 ** 2,
  mi: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gib: 1024 ** 3,
  gi: 1024 ** 3,
  t: 1e12,
  tb: 1e12,
  tib: 1024 ** 4,
  ti: 1024 ** 4,
  p: 1e15,
  pb: 1e15,
  pib: 1024 ** 5,
  pi: 1024 ** 5,
};

/** Parses a byte size like humanize.ParseBytes: `5KB` = 5000, `5KiB` = 5120, `42 MB`. */
export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) throw new RangeError(`invalid bytes ${JSON.stringify(text)}`);
  const unit = BYTE_UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) throw new RangeError(`invalid bytes unit ${JSON.stringify(text)}`);
  return Number(m[1]) * unit;
}
