import { performance } from 'node:perf_hooks';

const originNs = BigInt(Math.round(performance.timeOrigin * 1000)) * 1000n;
let lastNs = 0n;

/** Current wall-clock time in nanoseconds, strictly increasing within the process. */
export function nowNs(): bigint {
  let ns = originNs + BigInt(Math.round(performance.now() * 1e6));
  if (ns <= lastNs) ns = lastNs + 1n;
  lastNs = ns;
  return ns;
}

/** RFC 3339 UTC time with nanoseconds, as container runtimes write it: `2026-11-26T06:10:55.123456789Z`. */
export function rfc3339Nano(ns: bigint = nowNs()): string {
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}
