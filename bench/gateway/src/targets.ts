/** What the platform path may add to a zero-latency model, on the same machine, in the same run. */
export const TARGETS = {
  /** Added p50 at the fixed rate (full − direct), milliseconds. */
  addedP50Ms: 2,
  /** Added p99 at the fixed rate (full − direct), milliseconds. */
  addedP99Ms: 8,
  /** Runs (of 5) in which both the added p50 and p99 must hold. */
  runsHeld: 4,
  /** Full-path throughput at saturation, as a fraction of the direct path's. */
  saturationRatio: 0.33,
} as const;
