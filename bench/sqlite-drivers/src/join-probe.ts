// The cost of one statement execution on each SQLite driver, for the statement shapes behind the log store's
// trace_id lookup: a probe of one WITHOUT ROWID table, and the same probe joined to a second one (what the
// lookup runs once per minute bucket). Same schema, data and statements on both drivers; best of 5 rounds.
//   npm run bench -w bench/sqlite-drivers
import { openDatabase, SQLITE_DRIVERS, type SqliteDatabase } from '@opsight/sqlite';
import { DriverComparison, type Figure } from './driver-comparison.js';

const ROWS = 100_000;
const CALLS = 20_000;
const ROUNDS = 5;

const probes: Record<string, string> = {
  'probe one WITHOUT ROWID table (no row found), µs': 'SELECT ts FROM idx WHERE bucket = ? AND tkey = ?',
  'probe joined to a second WITHOUT ROWID table (no row found), µs': `SELECT i.ts, e.line FROM idx i
     LEFT JOIN entries e ON e.stream_id = i.stream_id AND e.ts = i.ts WHERE i.bucket = ? AND i.tkey = ?`,
  'probe joined to a second WITHOUT ROWID table (one row found), µs': `SELECT i.ts, e.line FROM idx i
     LEFT JOIN entries e ON e.stream_id = i.stream_id AND e.ts = i.ts WHERE i.bucket = ? AND i.tkey = ?`,
};

function fill(db: SqliteDatabase): void {
  db.exec(`
    CREATE TABLE entries (stream_id INTEGER, ts INTEGER, line TEXT, PRIMARY KEY (stream_id, ts)) WITHOUT ROWID;
    CREATE TABLE idx (bucket INTEGER, tkey INTEGER, stream_id INTEGER, ts INTEGER,
      PRIMARY KEY (bucket, tkey, stream_id, ts)) WITHOUT ROWID;
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS - 1})
    INSERT INTO entries SELECT i % 7, i * 1000, printf('{"msg":"line %d"}', i) FROM n;
    INSERT INTO idx SELECT (ts / 1000) % 60, ts / 1000, stream_id, ts FROM entries;
  `);
}

const comparison = new DriverComparison();
const dbs = new Map(
  SQLITE_DRIVERS.map((driver) => {
    const db = openDatabase(':memory:', { driver });
    fill(db);
    return [driver, db] as const;
  }),
);
for (let round = 0; round < ROUNDS; round++) {
  for (const [driver, db] of dbs) {
    for (const [name, sql] of Object.entries(probes)) {
      const statement = db.prepare(sql);
      // Key 5 is in bucket 5; key 6 is not.
      const key = name.includes('one row found') ? 5 : 6;
      const run = () => statement.all(5, key);
      if ((run().length === 1) !== (key === 5)) throw new Error(`${driver}: ${name}: unexpected rows`);
      const started = performance.now();
      for (let i = 0; i < CALLS; i++) run();
      const figure: Figure = { name, better: 'lower', format: (v) => v.toFixed(2) };
      comparison.record(driver, figure, ((performance.now() - started) * 1000) / CALLS);
    }
  }
}
for (const db of dbs.values()) db.close();
console.log(
  `one statement execution, ${ROWS} rows per table, ${CALLS} calls, best of ${ROUNDS} rounds, Node ${process.versions.node}\n`,
);
console.log(comparison.table());
