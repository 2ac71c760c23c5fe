import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorFields, stderrErrorLog } from '../src/error-log.js';

test('errorFields keeps the message, the code and the stack', () => {
  const e = Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
  const f = errorFields(e);
  assert.equal(f.error, 'disk I/O error');
  assert.equal(f.error_code, 'SQLITE_IOERR');
  assert.match(String(f.stack), /disk I\/O error/);
});

test('errorFields of something that is not an Error', () => {
  assert.deepEqual(errorFields('boom'), { error: 'boom', error_code: null, stack: null });
  assert.deepEqual(errorFields(null), { error: 'null', error_code: null, stack: null });
  assert.deepEqual(errorFields({ code: 7 }), { error: '[object Object]', error_code: null, stack: null });
});

test('stderrErrorLog writes one JSON line naming the service', (t) => {
  const written: string[] = [];
  t.mock.method(process.stderr, 'write', (chunk: string) => {
    written.push(chunk);
    return true;
  });
  stderrErrorLog('tracestore')({ message: 'request failed', code: 'INTERNAL' });
  t.mock.restoreAll();
  assert.equal(written.length, 1);
  assert.ok(written[0]!.endsWith('\n'));
  const line = JSON.parse(written[0]!) as Record<string, unknown>;
  assert.equal(line.level, 'ERROR');
  assert.equal(line.service, 'tracestore');
  assert.equal(line.message, 'request failed');
  assert.equal(line.code, 'INTERNAL');
  assert.ok(!Number.isNaN(Date.parse(String(line.timestamp))));
});
