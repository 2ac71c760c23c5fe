export type { OpenDatabaseOptions } from './open-database.js';
export { DEFAULT_SQLITE_DRIVER, openDatabase, parseSqliteDriver } from './open-database.js';
export type {
  RunResult,
  SqliteDatabase,
  SqliteDriverName,
  SqliteStatement,
  SqlValue,
  StatementOptions,
} from './sqlite-database.js';
export { SQLITE_DRIVERS } from './sqlite-database.js';
