import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resultCodeName } from '../src/internal/result-codes.js';

test('primary result codes by name', () => {
  assert.equal(resultCodeName(13), 'SQLITE_FULL');
  assert.equal(resultCodeName(11), 'SQLITE_CORRUPT');
  assert.equal(resultCodeName(1), 'SQLITE_ERROR');
});

test('extended I/O error codes by their own name, other extended codes by their primary name', () => {
  assert.equal(resultCodeName(778), 'SQLITE_IOERR_WRITE');
  assert.equal(resultCodeName(1034), 'SQLITE_IOERR_FSYNC');
  assert.equal(resultCodeName(8458), 'SQLITE_IOERR_CORRUPTFS');
  assert.equal(resultCodeName(1555), 'SQLITE_CONSTRAINT');
});

test('an unknown code reads as SQLITE_ERROR, an unknown I/O code as SQLITE_IOERR', () => {
  assert.equal(resultCodeName(200), 'SQLITE_ERROR');
  assert.equal(resultCodeName(10 | (200 << 8)), 'SQLITE_IOERR');
});
