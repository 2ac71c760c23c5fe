import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createGzip, deflateSync, gzipSync } from 'node:zlib';
import snappy from 'snappyjs';
import { decodeContentEncoding, snappyUncompressBounded } from '../../../src/internal/push/decompress.js';
import { PushDecodeError } from '../../../src/internal/push/push-decode-error.js';

const MiB = 1024 * 1024;
const isCode = (code: string) => (e: unknown) => e instanceof PushDecodeError && e.code === code;

/** A gzip body of `mib` MiB of zeros, built a chunk at a time (never held whole). */
async function gzipBomb(mib: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((r) => gz.on('end', r));
  const zeros = Buffer.alloc(MiB);
  for (let i = 0; i < mib; i++) if (!gz.write(zeros)) await new Promise((r) => gz.once('drain', r));
  gz.end();
  await done;
  return Buffer.concat(out);
}

test('a gzip bomb (1 KB per MB) is stopped at the limit while decompressing, not inflated whole', async () => {
  const bomb = await gzipBomb(1024); // 1 GiB of zeros in ~1 MB
  assert.ok(bomb.length < 2 * MiB, `bomb is ${bomb.length} bytes`);
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  assert.throws(() => decodeContentEncoding(bomb, 'gzip', 8 * MiB), isCode('REQUEST_BODY_TOO_LARGE'));
  const peakAfter = process.resourceUsage().maxRSS * 1024;
  // Inflating whole would have needed 1 GiB; stopping at the limit needs a few MiB.
  assert.ok(
    peakAfter - peakBefore < 256 * MiB,
    `peak RSS grew by ${Math.round((peakAfter - peakBefore) / MiB)} MiB`,
  );
});

test('deflate is bounded the same way; a body within the limit is decoded', () => {
  const big = Buffer.alloc(3 * MiB, 0x61);
  assert.throws(
    () => decodeContentEncoding(deflateSync(big), 'deflate', 2 * MiB),
    isCode('REQUEST_BODY_TOO_LARGE'),
  );
  assert.equal(decodeContentEncoding(deflateSync(big), 'deflate', 4 * MiB).length, 3 * MiB);
  assert.equal(decodeContentEncoding(gzipSync(big), 'gzip', 3 * MiB).length, 3 * MiB, 'exactly the limit');
  assert.throws(
    () => decodeContentEncoding(Buffer.from('nope'), 'deflate', MiB),
    isCode('INVALID_COMPRESSION'),
  );
  assert.throws(() => decodeContentEncoding(Buffer.from('nope'), 'br', MiB), isCode('UNSUPPORTED_ENCODING'));
});

test('a snappy block stating a length over the limit is refused before anything is allocated', () => {
  // Varint preamble of 1 GiB then a few bytes: snappy states the decompressed length up front.
  const lie = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x04, 0x00, 0x61]);
  assert.throws(() => snappyUncompressBounded(lie, 64 * MiB), isCode('REQUEST_BODY_TOO_LARGE'));
  const real = Buffer.from(snappy.compress(Buffer.alloc(3 * MiB, 0x62)));
  assert.throws(() => snappyUncompressBounded(real, 2 * MiB), isCode('REQUEST_BODY_TOO_LARGE'));
  assert.equal(snappyUncompressBounded(real, 3 * MiB).length, 3 * MiB);
  assert.throws(() => snappyUncompressBounded(Buffer.from([0x05, 0xff]), MiB), isCode('INVALID_SNAPPY'));
});
