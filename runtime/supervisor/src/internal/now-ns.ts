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
