import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogStoreError, storageWriteError } from '../../../src/internal/api/log-store-error.js';
import { ERROR_CODES } from '../../../src/internal/error-codes.js';

test('a refusal takes its status from the catalogue unless given one', () => {
  const e = new LogStoreError('MISSING_QUERY', 'query parameter is required', { field: 'query' });
  assert.equal(e.status, ERROR_CODES.MISSING_QUERY.status);
  assert.equal(e.field, 'query');
  assert.equal(e.retryAfterSeconds, undefined);
  assert.equal(new LogStoreError('UNAUTHORIZED', 'no', { status: 403 }).status, 403);
});

test('a full disk and an I/O error are 503s to retry; other failures are not refusals', () => {
  const full = storageWriteError(Object.assign(new Error('x'), { code: 'SQLITE_FULL' }), 7)!;
  assert.equal(full.code, 'STORAGE_FULL');
  assert.equal(full.status, 503);
  assert.equal(full.retryAfterSeconds, 7);
  assert.equal(storageWriteError({ code: 'ENOSPC' }, 1)?.code, 'STORAGE_FULL');
  const io = storageWriteError({ code: 'SQLITE_IOERR_WRITE' }, 1)!;
  assert.equal(io.code, 'STORAGE_IO_ERROR');
  assert.match(io.message, /SQLITE_IOERR_WRITE/);
  assert.equal(storageWriteError({ code: 'SQLITE_CONSTRAINT' }, 1), undefined);
  assert.equal(storageWriteError(new Error('no code'), 1), undefined);
  assert.equal(storageWriteError({ code: 5 }, 1), undefined);
});
