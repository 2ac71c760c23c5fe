import { openBetterSqlite3 } from './internal/better-sqlite3-driver.js';
import { openNodeSqlite } from './internal/node-sqlite-driver.js';
import { SQLITE_DRIVERS, type SqliteDatabase, type SqliteDriverName } from './sqlite-database.js';

/** The driver the stores use unless told otherwise. */
export const DEFAULT_SQLITE_DRIVER: SqliteDriverName = 'better-sqlite3';

/** How to open a database. */
export interface OpenDatabaseOptions {
  /** The driver to run on. @default DEFAULT_SQLITE_DRIVER */
  driver?: SqliteDriverName;
  /**
   * How long a statement waits for a lock held by another connection before failing with SQLITE_BUSY.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * Opens an existing database for reading only (a reader beside another connection that writes, in WAL
   * mode): every statement that would write fails with SQLITE_READONLY, and a missing file fails with
   * SQLITE_CANTOPEN instead of being created.
   * @default false
   */
  readOnly?: boolean;
}

/** Opens (creating if missing) the database file `file`, or a private in-memory one for `:memory:`. */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  const open = { busyTimeoutMs: options.busyTimeoutMs ?? 5000, readOnly: options.readOnly === true };
  const driver = options.driver ?? DEFAULT_SQLITE_DRIVER;
  if (driver === 'node:sqlite') return openNodeSqlite(file, open);
  return openBetterSqlite3(file, open);
}

/** Parses a driver name (a command-line value), or throws naming the accepted ones. */
export function parseSqliteDriver(value: string): SqliteDriverName {
  const found = SQLITE_DRIVERS.find((d) => d === value);
  if (!found) throw new Error(`unknown SQLite driver ${value} (one of: ${SQLITE_DRIVERS.join(', ')})`);
  return found;
}
