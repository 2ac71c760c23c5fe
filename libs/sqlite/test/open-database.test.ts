import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openDatabase, parseSqliteDriver, SQLITE_DRIVERS, type SqliteDatabase } from '../src/index.js';

/** The same contract, checked on each driver. */
for (const driver of SQLITE_DRIVERS) {
  describe(`openDatabase on ${driver}`, () => {
    const withDb = (fn: (db: SqliteDatabase) => void): void => {
      const db = openDatabase(':memory:', { driver });
      try {
        fn(db);
      } finally {
        if (db.open) db.close();
      }
    };

    test('names its driver and reports whether it is open', () => {
      const db = openDatabase(':memory:', { driver });
      assert.equal(db.driver, driver);
      assert.equal(db.open, true);
      db.close();
      assert.equal(db.open, false);
    });

    test('rows as objects, arrays or the first column', () =>
      withDb((db) => {
        db.exec("CREATE TABLE t (a INTEGER, b TEXT); INSERT INTO t VALUES (1, 'x'), (2, 'y')");
        assert.deepEqual(
          { ...(db.prepare('SELECT a, b FROM t ORDER BY a').get() as object) },
          { a: 1, b: 'x' },
        );
        assert.deepEqual(db.prepare('SELECT a, b FROM t ORDER BY a', { rows: 'array' }).all(), [
          [1, 'x'],
          [2, 'y'],
        ]);
        assert.deepEqual(db.prepare('SELECT b FROM t ORDER BY a', { rows: 'first' }).all(), ['x', 'y']);
        assert.equal(db.prepare('SELECT b FROM t WHERE a = ?', { rows: 'first' }).get(3), undefined);
        assert.equal(db.prepare('SELECT a FROM t WHERE a = ?').get(3), undefined);
      }));

    test('binds and reads 64-bit integers exactly as bigint', () =>
      withDb((db) => {
        db.exec('CREATE TABLE t (ts INTEGER)');
        const ns = 1_780_000_000_123_456_789n;
        db.prepare('INSERT INTO t VALUES (?)').run(ns);
        assert.equal(db.prepare('SELECT ts FROM t', { rows: 'first', bigInts: true }).get(), ns);
        const row = db.prepare('SELECT ts, ts / 1000000000 AS s FROM t', { bigInts: true }).get() as {
          ts: bigint;
          s: bigint;
        };
        assert.equal(row.ts, ns);
        assert.equal(row.s, 1_780_000_000n);
        assert.equal(db.prepare('SELECT 2 + 3', { rows: 'first' }).get(), 5);
      }));

    test('reads BLOBs as Buffer, from columns and expressions, in every row shape', () =>
      withDb((db) => {
        db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB, other)');
        db.prepare('INSERT INTO t (data, other) VALUES (?, ?)').run(
          Buffer.from('abc'),
          new Uint8Array([1, 2]),
        );
        const object = db.prepare('SELECT data, other, substr(data, 2) AS tail FROM t').get() as Record<
          string,
          Buffer
        >;
        for (const v of Object.values(object)) assert.ok(Buffer.isBuffer(v));
        assert.equal(object.data!.toString(), 'abc');
        assert.equal(object.tail!.toString(), 'bc');
        assert.deepEqual([...object.other!], [1, 2]);
        const [array] = db.prepare('SELECT id, data FROM t', { rows: 'array' }).all() as [[number, Buffer]];
        assert.ok(Buffer.isBuffer(array[1]));
        const first = db.prepare('SELECT data FROM t', { rows: 'first' }).get();
        assert.ok(Buffer.isBuffer(first));
        for (const row of db.prepare('SELECT data FROM t').iterate()) {
          assert.ok(Buffer.isBuffer((row as { data: unknown }).data));
        }
      }));

    test('run reports changes and the last rowid', () =>
      withDb((db) => {
        db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)');
        const insert = db.prepare('INSERT OR IGNORE INTO t (v) VALUES (?), (?)');
        const r = insert.run('a', 'b');
        assert.equal(r.changes, 2);
        assert.equal(Number(r.lastInsertRowid), 2);
        assert.equal(insert.run('a', 'c').changes, 1);
        assert.equal(db.prepare('INSERT INTO t (v) VALUES (?) RETURNING id', { rows: 'first' }).get('d'), 4);
      }));

    test('iterate stops early and frees the statement for the next call', () =>
      withDb((db) => {
        db.exec('CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1), (2), (3)');
        const stmt = db.prepare('SELECT a FROM t ORDER BY a', { rows: 'first' });
        const seen: unknown[] = [];
        for (const a of stmt.iterate()) {
          seen.push(a);
          if (a === 2) break;
        }
        assert.deepEqual(seen, [1, 2]);
        assert.deepEqual([...stmt.iterate()], [1, 2, 3]);
        db.exec('DELETE FROM t');
        assert.deepEqual(stmt.all(), []);
      }));

    test('a transaction commits what its function did, or rolls all of it back', () =>
      withDb((db) => {
        db.exec('CREATE TABLE t (a INTEGER PRIMARY KEY)');
        const insert = db.prepare('INSERT INTO t VALUES (?)');
        const count = db.prepare('SELECT count(*) FROM t', { rows: 'first' });
        const many = db.transaction((values: number[]) => {
          for (const v of values) insert.run(v);
          return values.length;
        });
        assert.equal(many([1, 2]), 2);
        assert.equal(count.get(), 2);
        assert.throws(
          () => many([3, 1]),
          (e: Error & { code?: string }) => /^SQLITE_CONSTRAINT/.test(e.code!),
        );
        assert.equal(count.get(), 2, 'the 3 inserted before the failure is rolled back');
        assert.equal(many([3]), 1, 'the connection is usable after a rollback');
      }));

    test('a nested transaction rolls back only its own part', () =>
      withDb((db) => {
        db.exec('CREATE TABLE t (a INTEGER PRIMARY KEY)');
        const insert = db.prepare('INSERT INTO t VALUES (?)');
        const inner = db.transaction((v: number) => {
          insert.run(v);
          throw new Error('inner fails');
        });
        db.transaction(() => {
          insert.run(1);
          assert.throws(() => inner(2), /inner fails/);
          insert.run(3);
        })();
        assert.deepEqual(db.prepare('SELECT a FROM t ORDER BY a', { rows: 'first' }).all(), [1, 3]);
      }));

    test('pragma returns rows, or with simple the first value', () =>
      withDb((db) => {
        db.pragma('user_version = 7');
        assert.equal(db.pragma('user_version', { simple: true }), 7);
        const rows = db.pragma('user_version') as Array<{ user_version: number }>;
        assert.equal(rows[0]!.user_version, 7);
        assert.equal(db.pragma('page_size', { simple: true }), 4096);
      }));

    test('foreign keys are enforced', () =>
      withDb((db) => {
        db.exec('CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p INTEGER REFERENCES p (id))');
        assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
        assert.throws(
          () => db.exec('INSERT INTO c VALUES (42)'),
          (e: Error & { code?: string }) => /^SQLITE_CONSTRAINT/.test(e.code!),
        );
      }));

    test('a full database fails with SQLITE_FULL and stores nothing of the transaction', () => {
      const dir = mkdtempSync(join(tmpdir(), 'opsight-sqlite-'));
      try {
        const db = openDatabase(join(dir, 'full.db'), { driver });
        db.exec('CREATE TABLE t (data BLOB)');
        db.pragma('max_page_count = 8');
        const insert = db.prepare('INSERT INTO t VALUES (?)');
        const fill = db.transaction(() => {
          for (let i = 0; i < 100; i++) insert.run(Buffer.alloc(4096));
        });
        assert.throws(fill, (e: Error & { code?: string }) => e.code === 'SQLITE_FULL');
        assert.equal(db.prepare('SELECT count(*) FROM t', { rows: 'first' }).get(), 0);
        db.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('a read-only connection reads beside a writer, in one snapshot per transaction, and never writes', () => {
      const dir = mkdtempSync(join(tmpdir(), 'opsight-sqlite-'));
      try {
        const file = join(dir, 'ro.db');
        assert.throws(
          () => openDatabase(file, { driver, readOnly: true }),
          (e: Error & { code?: string }) => e.code === 'SQLITE_CANTOPEN',
        );
        const writer = openDatabase(file, { driver });
        writer.pragma('journal_mode = WAL');
        writer.exec('CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1)');
        const reader = openDatabase(file, { driver, readOnly: true });
        const count = reader.prepare('SELECT count(*) FROM t', { rows: 'first' });
        assert.equal(count.get(), 1);
        reader.exec('BEGIN');
        assert.equal(count.get(), 1);
        writer.exec('INSERT INTO t VALUES (2)');
        assert.equal(count.get(), 1, 'the snapshot taken at the first read holds');
        reader.exec('COMMIT');
        assert.equal(count.get(), 2);
        assert.throws(
          () => reader.exec('INSERT INTO t VALUES (3)'),
          (e: Error & { code?: string }) => e.code === 'SQLITE_READONLY',
        );
        assert.equal(writer.prepare('SELECT count(*) FROM t', { rows: 'first' }).get(), 2);
        reader.close();
        writer.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('errors carry the SQLite code name and message', () =>
      withDb((db) => {
        assert.throws(
          () => db.exec('SELEC 1'),
          (e: Error & { code?: string }) => e.code === 'SQLITE_ERROR' && /syntax error/.test(e.message),
        );
        assert.throws(
          () => db.prepare('SELECT * FROM missing'),
          (e: Error & { code?: string }) => e.code === 'SQLITE_ERROR' && /no such table/.test(e.message),
        );
      }));
  });
}

test('parseSqliteDriver accepts the driver names only', () => {
  assert.equal(parseSqliteDriver('node:sqlite'), 'node:sqlite');
  assert.equal(parseSqliteDriver('better-sqlite3'), 'better-sqlite3');
  assert.throws(
    () => parseSqliteDriver('sqlite3'),
    /unknown SQLite driver sqlite3 \(one of: better-sqlite3, node:sqlite\)/,
  );
});
