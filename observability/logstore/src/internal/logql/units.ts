// Byte-size literals as LogQL reads them (durations are @opsight/contracts/codecs' parseDuration).

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
