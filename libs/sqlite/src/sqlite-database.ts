/**
 * The SQLite interface the stores are written against: the synchronous calls they use, and nothing the two
 * drivers (better-sqlite3, node:sqlite) do not both offer. Behaviour is the same on both:
 * - INTEGER columns read as `number` (exact up to 2^53), or as `bigint` with {@link StatementOptions.bigInts};
 * - BLOB columns read as `Buffer`;
 * - foreign keys are enforced (better-sqlite3 builds SQLite so);
 * - a failed call throws an `Error` whose `code` is the SQLite result code's name (`SQLITE_FULL`,
 *   `SQLITE_IOERR_WRITE`, `SQLITE_CONSTRAINT…`), so callers can tell a full disk from a bug.
 */

/** The drivers a database can be opened with. */
export const SQLITE_DRIVERS = ['better-sqlite3', 'node:sqlite'] as const;

/** A driver: the better-sqlite3 native addon, or Node's built-in `node:sqlite` (no build). */
export type SqliteDriverName = (typeof SQLITE_DRIVERS)[number];

/** A value a statement binds to a `?` parameter. */
export type SqlValue = null | number | bigint | string | Uint8Array;

/** How a prepared statement returns its rows. */
export interface StatementOptions {
  /**
   * Read INTEGER columns as `bigint`, exact over the whole 64-bit range (nanosecond timestamps).
   * @default false
   */
  bigInts?: boolean;
  /**
   * The shape of each row: an object keyed by column name (its prototype is the driver's: node:sqlite's
   * has none, so copy a row before handing it out), an array of the values in column order, or the first
   * column's value alone.
   * @default 'object'
   */
  rows?: 'object' | 'array' | 'first';
}

/** What a write did. */
export interface RunResult {
  /** Rows inserted, updated or deleted by the statement itself. */
  changes: number;
  /** The rowid of the last row inserted on this connection. */
  lastInsertRowid: number | bigint;
}

/** A prepared statement. Rows are typed `unknown`: callers state the columns they selected. */
export interface SqliteStatement {
  run(...params: SqlValue[]): RunResult;
  /** The first row, or `undefined` when there is none. */
  get(...params: SqlValue[]): unknown;
  all(...params: SqlValue[]): unknown[];
  /** The rows one at a time; leaving the loop early releases the statement. */
  iterate(...params: SqlValue[]): IterableIterator<unknown>;
}

/** An open database connection. */
export interface SqliteDatabase {
  /** The driver this connection runs on. */
  readonly driver: SqliteDriverName;
  /** False once closed. */
  readonly open: boolean;
  /** Runs one or more statements without parameters. */
  exec(sql: string): void;
  prepare(sql: string, options?: StatementOptions): SqliteStatement;
  /**
   * Runs `PRAGMA <source>`: its rows, or with `simple` the first column of the first row (`undefined` when
   * none).
   */
  pragma(source: string, options?: { simple?: boolean }): unknown;
  /**
   * Wraps `fn` in a transaction: it commits when `fn` returns and rolls back when it throws. Called inside
   * another transaction it runs in a savepoint, so an inner failure undoes only the inner part.
   */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  close(): void;
}
