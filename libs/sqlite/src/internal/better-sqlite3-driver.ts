// The better-sqlite3 driver: its statements already have the interface's shape and behaviour (BLOBs as
// Buffer, errors with a SQLITE_* code), so they are handed out as they are, configured once when prepared.
import Database from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement, StatementOptions } from '../sqlite-database.js';
import type { OpenOptions } from './open-options.js';

class BetterSqlite3Database implements SqliteDatabase {
  readonly driver = 'better-sqlite3';

  constructor(private readonly db: Database.Database) {}

  get open(): boolean {
    return this.db.open;
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  prepare(sql: string, options: StatementOptions = {}): SqliteStatement {
    const statement = this.db.prepare(sql);
    if (options.bigInts) statement.safeIntegers(true);
    if (options.rows === 'array') statement.raw(true);
    else if (options.rows === 'first') statement.pluck(true);
    return statement as unknown as SqliteStatement;
  }

  pragma(source: string, options: { simple?: boolean } = {}): unknown {
    return this.db.pragma(source, { simple: options.simple === true });
  }

  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    return this.db.transaction(fn) as unknown as (...args: A) => R;
  }

  close(): void {
    this.db.close();
  }
}

export function openBetterSqlite3(file: string, options: OpenOptions): SqliteDatabase {
  return new BetterSqlite3Database(
    new Database(file, {
      timeout: options.busyTimeoutMs,
      readonly: options.readOnly,
      fileMustExist: options.readOnly,
    }),
  );
}
