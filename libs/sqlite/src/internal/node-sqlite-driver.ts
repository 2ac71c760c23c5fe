// The node:sqlite driver (Node's built-in DatabaseSync): no native addon to build. Its statements differ
// from the interface in three ways, bridged here:
// - BLOBs read as Uint8Array: turned into Buffer views (no copy), only in the columns that can hold one;
// - errors carry the result code as a number (`errcode`): `code` is set to its SQLITE_* name;
// - no transaction helper, no pragma helper, no single-column rows: built from plain statements.
// It is loaded on first use, so the module costs nothing where it is not used. The types below are the
// part of node:sqlite this file calls.
import { createRequire } from 'node:module';
import type {
  RunResult,
  SqliteDatabase,
  SqliteStatement,
  SqlValue,
  StatementOptions,
} from '../sqlite-database.js';
import type { OpenOptions } from './open-options.js';
import { resultCodeName } from './result-codes.js';

interface NativeColumn {
  name: string;
  /** Declared type of a table column; null for an expression. */
  type: string | null;
}

interface NativeStatement {
  run(...params: SqlValue[]): RunResult;
  get(...params: SqlValue[]): unknown;
  all(...params: SqlValue[]): unknown[];
  iterate(...params: SqlValue[]): Iterator<unknown>;
  columns(): NativeColumn[];
  setReadBigInts(enabled: boolean): void;
  setReturnArrays(enabled: boolean): void;
}

interface NativeDatabase {
  readonly isOpen: boolean;
  readonly isTransaction: boolean;
  exec(sql: string): void;
  prepare(sql: string): NativeStatement;
  close(): void;
}

interface NativeModule {
  DatabaseSync: new (
    file: string,
    options: { enableForeignKeyConstraints: boolean; timeout: number; readOnly: boolean },
  ) => NativeDatabase;
}

let nativeModule: NativeModule | undefined;

function loadNative(): NativeModule {
  nativeModule ??= createRequire(import.meta.url)('node:sqlite') as NativeModule;
  return nativeModule;
}

/** Gives a node:sqlite error the SQLITE_* `code` that callers test. */
function withCode(error: unknown): unknown {
  const e = error as { code?: unknown; errcode?: unknown } | null;
  if (e && e.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number') e.code = resultCodeName(e.errcode);
  return error;
}

const asBuffer = (v: Uint8Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

/** Rewrites a row in place, its BLOB values as Buffer; `null` when no column can hold a BLOB. */
function blobFixer(
  columns: NativeColumn[],
  rows: 'object' | 'array' | 'first',
): ((row: Record<string | number, unknown>) => void) | null {
  // A column declared with another type can still hold a BLOB (SQLite's types are per value), but the
  // stores only write BLOBs to BLOB columns and read expressions that are not BLOBs; those without a
  // declared type are checked.
  const at: Array<string | number> = [];
  columns.forEach((c, i) => {
    if (c.type === null || /BLOB/i.test(c.type)) at.push(rows === 'object' ? c.name : i);
  });
  if (rows === 'first') return at[0] === 0 ? fixFirst : null;
  if (at.length === 0) return null;
  return (row) => {
    for (const k of at) {
      const v = row[k];
      if (v instanceof Uint8Array) row[k] = asBuffer(v);
    }
  };
}

function fixFirst(row: Record<string | number, unknown>): void {
  const v = row[0];
  if (v instanceof Uint8Array) row[0] = asBuffer(v);
}

/** Iterates a native iterator's rows, shaped, with errors given their codes. */
class Rows implements IterableIterator<unknown> {
  constructor(
    private readonly it: Iterator<unknown>,
    private readonly shape: (row: unknown) => unknown,
  ) {}

  next(): IteratorResult<unknown> {
    let r: IteratorResult<unknown>;
    try {
      r = this.it.next();
    } catch (e) {
      throw withCode(e);
    }
    if (r.done) return r;
    return { done: false, value: this.shape(r.value) };
  }

  return(value?: unknown): IteratorResult<unknown> {
    this.it.return?.();
    return { done: true, value };
  }

  [Symbol.iterator](): IterableIterator<unknown> {
    return this;
  }
}

const same = (row: unknown): unknown => row;

class NodeSqliteStatement implements SqliteStatement {
  private readonly shape: (row: unknown) => unknown;

  constructor(
    private readonly native: NativeStatement,
    options: StatementOptions,
  ) {
    const rows = options.rows ?? 'object';
    if (options.bigInts) native.setReadBigInts(true);
    if (rows !== 'object') native.setReturnArrays(true);
    const fix = blobFixer(native.columns(), rows);
    const first = rows === 'first';
    if (!fix && !first) this.shape = same;
    else
      this.shape = (row) => {
        if (fix) fix(row as Record<string | number, unknown>);
        return first ? (row as unknown[])[0] : row;
      };
  }

  run(...params: SqlValue[]): RunResult {
    try {
      return this.native.run(...params);
    } catch (e) {
      throw withCode(e);
    }
  }

  get(...params: SqlValue[]): unknown {
    let row: unknown;
    try {
      row = this.native.get(...params);
    } catch (e) {
      throw withCode(e);
    }
    return row === undefined ? undefined : this.shape(row);
  }

  all(...params: SqlValue[]): unknown[] {
    let rows: unknown[];
    try {
      rows = this.native.all(...params);
    } catch (e) {
      throw withCode(e);
    }
    if (this.shape !== same) for (let i = 0; i < rows.length; i++) rows[i] = this.shape(rows[i]);
    return rows;
  }

  iterate(...params: SqlValue[]): IterableIterator<unknown> {
    let it: Iterator<unknown>;
    try {
      it = this.native.iterate(...params);
    } catch (e) {
      throw withCode(e);
    }
    return new Rows(it, this.shape);
  }
}

class NodeSqliteDatabase implements SqliteDatabase {
  readonly driver = 'node:sqlite';
  private depth = 0;
  private control: Record<'begin' | 'commit' | 'rollback', NativeStatement> | undefined;

  constructor(private readonly db: NativeDatabase) {}

  get open(): boolean {
    return this.db.isOpen;
  }

  exec(sql: string): void {
    try {
      this.db.exec(sql);
    } catch (e) {
      throw withCode(e);
    }
  }

  prepare(sql: string, options: StatementOptions = {}): SqliteStatement {
    let native: NativeStatement;
    try {
      native = this.db.prepare(sql);
    } catch (e) {
      throw withCode(e);
    }
    return new NodeSqliteStatement(native, options);
  }

  pragma(source: string, options: { simple?: boolean } = {}): unknown {
    const statement = this.prepare(`PRAGMA ${source}`, options.simple ? { rows: 'first' } : {});
    return options.simple ? statement.get() : statement.all();
  }

  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    return (...args: A): R => {
      if (this.db.isTransaction) return this.savepoint(fn, args);
      this.control ??= {
        begin: this.db.prepare('BEGIN'),
        commit: this.db.prepare('COMMIT'),
        rollback: this.db.prepare('ROLLBACK'),
      };
      const { begin, commit, rollback } = this.control;
      try {
        begin.run();
        const result = fn(...args);
        commit.run();
        return result;
      } catch (e) {
        // A failed COMMIT (a full disk) can leave the transaction open: it is rolled back too.
        if (this.db.isTransaction) rollback.run();
        throw withCode(e);
      }
    };
  }

  private savepoint<A extends unknown[], R>(fn: (...args: A) => R, args: A): R {
    const name = `nested_${++this.depth}`;
    try {
      this.db.exec(`SAVEPOINT ${name}`);
      const result = fn(...args);
      this.db.exec(`RELEASE ${name}`);
      return result;
    } catch (e) {
      if (this.db.isTransaction) this.db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
      throw withCode(e);
    } finally {
      this.depth--;
    }
  }

  close(): void {
    this.db.close();
  }
}

export function openNodeSqlite(file: string, options: OpenOptions): SqliteDatabase {
  const { DatabaseSync } = loadNative();
  let db: NativeDatabase;
  try {
    // Foreign keys enforced, as better-sqlite3 builds SQLite (SQLITE_DEFAULT_FOREIGN_KEYS=1).
    db = new DatabaseSync(file, {
      enableForeignKeyConstraints: true,
      timeout: options.busyTimeoutMs,
      readOnly: options.readOnly,
    });
  } catch (e) {
    throw withCode(e);
  }
  return new NodeSqliteDatabase(db);
}
