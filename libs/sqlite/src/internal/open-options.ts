/** What every driver is opened with (filled in by openDatabase). */
export interface OpenOptions {
  /** How long a statement waits for another connection's lock before SQLITE_BUSY. */
  busyTimeoutMs: number;
  /** Open an existing database for reading only: every write fails with SQLITE_READONLY. */
  readOnly: boolean;
}
