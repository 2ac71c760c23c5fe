/** What every driver is opened with (filled in by openDatabase). */
export interface OpenOptions {
  /** How long a statement waits for another connection's lock before SQLITE_BUSY. */
  busyTimeoutMs: number;
}
