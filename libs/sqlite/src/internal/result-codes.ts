// SQLite result codes by number, for the driver that reports errors by number (node:sqlite): the primary
// codes, and the extended I/O error codes by name, as better-sqlite3 reports them.

const PRIMARY = [
  'OK',
  'ERROR',
  'INTERNAL',
  'PERM',
  'ABORT',
  'BUSY',
  'LOCKED',
  'NOMEM',
  'READONLY',
  'INTERRUPT',
  'IOERR',
  'CORRUPT',
  'NOTFOUND',
  'FULL',
  'CANTOPEN',
  'PROTOCOL',
  'EMPTY',
  'SCHEMA',
  'TOOBIG',
  'CONSTRAINT',
  'MISMATCH',
  'MISUSE',
  'NOLFS',
  'AUTH',
  'FORMAT',
  'RANGE',
  'NOTADB',
  'NOTICE',
  'WARNING',
];

/** SQLITE_IOERR_<name> is SQLITE_IOERR (10) | (position + 1) << 8. */
const IOERR = [
  'READ',
  'SHORT_READ',
  'WRITE',
  'FSYNC',
  'DIR_FSYNC',
  'TRUNCATE',
  'FSTAT',
  'UNLOCK',
  'RDLOCK',
  'DELETE',
  'BLOCKED',
  'NOMEM',
  'ACCESS',
  'CHECKRESERVEDLOCK',
  'LOCK',
  'CLOSE',
  'DIR_CLOSE',
  'SHMOPEN',
  'SHMSIZE',
  'SHMLOCK',
  'SHMMAP',
  'SEEK',
  'DELETE_NOENT',
  'MMAP',
  'GETTEMPPATH',
  'CONVPATH',
  'VNODE',
  'AUTH',
  'BEGIN_ATOMIC',
  'COMMIT_ATOMIC',
  'ROLLBACK_ATOMIC',
  'DATA',
  'CORRUPTFS',
];

const SQLITE_IOERR = 10;

/** The name of a (primary or extended) SQLite result code, e.g. 13 → `SQLITE_FULL`, 778 → `SQLITE_IOERR_WRITE`. */
export function resultCodeName(code: number): string {
  const primary = code & 0xff;
  if (primary === SQLITE_IOERR && code > 0xff) {
    const io = IOERR[(code >> 8) - 1];
    if (io !== undefined) return `SQLITE_IOERR_${io}`;
  }
  return `SQLITE_${PRIMARY[primary] ?? 'ERROR'}`;
}
