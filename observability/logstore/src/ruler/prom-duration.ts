// Durations in rule files as Prometheus reads them (model.Duration): whole numbers of units from the
// largest to the smallest (`1h30m`, `5m`, `90s`, `1d`), or a bare `0`; no sign, no fractions.

const PROM_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const MS_PER_UNIT = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000, 1];
const UNITS = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];

/** Parses a Prometheus duration into milliseconds; undefined when it is not one. */
export function parsePromDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const m = PROM_DURATION.exec(text);
  if (!m || text === '') return undefined;
  let ms = 0;
  for (let i = 0; i < MS_PER_UNIT.length; i++) {
    const part = m[i + 1];
    if (part !== undefined) ms += Number(part) * MS_PER_UNIT[i]!;
  }
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** Formats milliseconds as Prometheus prints a duration (`1h30m`, `5m`, `0s`). */
export function formatPromDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (let i = 0; i < MS_PER_UNIT.length; i++) {
    const n = Math.floor(rest / MS_PER_UNIT[i]!);
    if (n > 0) {
      out += `${n}${UNITS[i]}`;
      rest -= n * MS_PER_UNIT[i]!;
    }
  }
  return out;
}
