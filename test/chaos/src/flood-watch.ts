/**
 * The measurements of the stream-limit flood row, kept apart from the stack so they can be tested:
 * how stale the existing stream got while the table was full, when shipping was back for good after the
 * fault's end, and how long the row waits for the table to free.
 */

/**
 * Staleness of a stream that keeps being written: at each sample, the age of the newest line found in the
 * store (now minus the time that line was written). The worst sample is what the row reports.
 */
export class StalenessWatch {
  private worst = 0;
  private samples = 0;

  /**
   * One sample at `nowMs`: `newestFoundWrittenMs` is when the newest line found was written (undefined:
   * none found yet, counted from `sinceMs`, when the first line was written).
   */
  record(nowMs: number, newestFoundWrittenMs: number | undefined, sinceMs: number): void {
    const age = (nowMs - (newestFoundWrittenMs ?? sinceMs)) / 1000;
    this.worst = Math.max(this.worst, age);
    this.samples++;
  }

  /** The worst age seen, s (0 before any sample). */
  get worstSeconds(): number {
    return this.worst;
  }

  get sampleCount(): number {
    return this.samples;
  }
}

/**
 * When a path was back for good: samples (time, ok) after `startMs`; recovered at the first sample of the
 * final run of ok samples (a path that is ok, then not, then ok again recovered the second time).
 */
export class RecoveryWatch {
  private since: number | undefined;

  constructor(private readonly startMs: number) {}

  record(atMs: number, ok: boolean): void {
    if (!ok) this.since = undefined;
    else this.since ??= atMs;
  }

  /** Whether the latest sample was ok. */
  get ok(): boolean {
    return this.since !== undefined;
  }

  /** Seconds from the start until the final run of ok samples began; null while the latest is not ok. */
  get recoverySeconds(): number | null {
    return this.since === undefined ? null : Math.max(0, this.since - this.startMs) / 1000;
  }
}

/**
 * How long the row waits, after the flood's last push, for the store to accept a new stream again: the
 * idle period plus `slackSeconds` (the flood's streams go idle one idle period after their last entry),
 * but never longer than `capSeconds`, so the row stays bounded on a stack with Loki's 30m idle period.
 */
export function tableFreeDeadlineSeconds(idleSeconds: number, capSeconds: number, slackSeconds = 30): number {
  return Math.min(idleSeconds + slackSeconds, capSeconds);
}
