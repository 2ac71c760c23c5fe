// The compact notation of rule tests' input streams: how many lines a stream gets at each step, in
// promtool's expanding notation. Items are separated by spaces, each covering one or more steps:
//
//   N        N lines at this step                        `3`
//   _        no line at this step                        `_`
//   NxK      N lines at each of K+1 steps                `5x3`   = 5 5 5 5
//   A+BxK    A, A+B, … A+K·B lines over K+1 steps        `0+2x3` = 0 2 4 6
//   A-BxK    A, A-B, … A-K·B lines over K+1 steps        `6-2x3` = 6 4 2 0
//   _xK      no line for K steps                         `_x3`   = _ _ _
//
// Counts are whole numbers, never negative.

/** Thrown for notation that cannot be read; the message names the item. */
export class LineCountError extends Error {}

const ITEM = /^(\d+)(?:([+-])(\d+))?x(\d+)$/;

/** Expands the notation into one line count per step. */
export function expandLineCounts(text: string): number[] {
  const out: number[] = [];
  for (const item of text.trim().split(/\s+/).filter(Boolean)) {
    if (item === '_') {
      out.push(0);
      continue;
    }
    if (/^\d+$/.test(item)) {
      out.push(Number(item));
      continue;
    }
    const blanks = /^_x(\d+)$/.exec(item);
    if (blanks) {
      for (let i = 0; i < Number(blanks[1]); i++) out.push(0);
      continue;
    }
    const m = ITEM.exec(item);
    if (!m) {
      throw new LineCountError(
        `cannot read ${JSON.stringify(item)}: expected N, _, NxK, A+BxK, A-BxK or _xK (whole numbers)`,
      );
    }
    const start = Number(m[1]);
    const step = m[2] === undefined ? 0 : Number(m[3]) * (m[2] === '-' ? -1 : 1);
    const times = Number(m[4]);
    for (let i = 0; i <= times; i++) {
      const n = start + i * step;
      if (n < 0) throw new LineCountError(`${JSON.stringify(item)} goes below zero lines at its step ${i}`);
      out.push(n);
    }
  }
  return out;
}
