/** Runs calls to one dependency (PostgreSQL or Redis): bounded in time, skipped while it is down. */
export interface DependencyCall {
  /** Runs `call`; rejects when it fails, times out, or the dependency is known to be down. */
  run<T>(call: () => Promise<T>): Promise<T>;
}

/** A dependency guard that also takes health news from elsewhere (probes, a written batch). */
export interface DependencyHealth extends DependencyCall {
  /** The dependency answered: calls stop skipping it. */
  markUp(): void;
  /** The dependency failed: calls skip it for the back-off period. */
  markDown(error: unknown): void;
}
