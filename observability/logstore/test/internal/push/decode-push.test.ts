import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import snappy from 'snappyjs';
import { decodePush, PushDecodeError } from '../../../src/internal/push/decode-push.js';

test('a small compressed body that expands past the bound is refused, not inflated', () => {
  const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
  const isTooLarge = (e: unknown) => e instanceof PushDecodeError && e.code === 'REQUEST_BODY_TOO_LARGE';
  assert.throws(() => decodePush(gzipSync(big), 'application/json', 'gzip', 1024 * 1024), isTooLarge);
  assert.throws(
    () => decodePush(Buffer.from(snappy.compress(big)), 'application/x-protobuf', '', 1024 * 1024),
    isTooLarge,
  );
  assert.throws(
    () => decodePush(Buffer.from('not gzip'), 'application/json', 'gzip'),
    (e: unknown) => e instanceof PushDecodeError && e.code === 'INVALID_GZIP',
  );
});
