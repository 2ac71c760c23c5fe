// Decoding in worker threads answers exactly as decoding on the main thread: the same streams for good
// bodies, the same PushDecodeError (code, message, field) for bad ones.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import snappy from 'snappyjs';
import { decodeBody, type EncodedPush } from '../../../src/internal/push/decode-body.js';
import { DecodePool } from '../../../src/internal/push/decode-pool.js';
import {
  encodePushProtobuf,
  PushDecodeError,
  type RawStream,
} from '../../../src/internal/push/decode-push.js';
import { deriveEntryFields } from '../../../src/internal/storage/entry-fields.js';

const pool = new DecodePool(2, { inlineBelowBytes: 0 });
after(() => pool.close());

const MAX = 64 * 1024;
const json =
  (body: string, format: 'loki' | 'otlp' = 'loki'): (() => EncodedPush) =>
  () => ({
    format,
    body: Buffer.from(body),
    contentType: 'application/json',
    contentEncoding: '',
    maxBytes: MAX,
  });
const proto =
  (body: () => Buffer, contentEncoding = '', format: 'loki' | 'otlp' = 'loki') =>
  () => ({
    format,
    body: body(),
    contentType: 'application/x-protobuf',
    contentEncoding,
    maxBytes: MAX,
  });

/** Each case makes a fresh body: the pool moves a body's memory to the worker. */
const BAD: Record<string, () => EncodedPush> = {
  'JSON that does not parse': json('{"streams": ['),
  'streams not an array': json('{"streams": 5}'),
  'a bad timestamp': json('{"streams":[{"stream":{"a":"b"},"values":[["12x","line"]]}]}'),
  'metadata not a string': json('{"streams":[{"stream":{"a":"b"},"values":[["1","l",{"k":{}}]]}]}'),
  'snappy that does not decompress': proto(() => Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3])),
  'protobuf that does not parse': proto(() => Buffer.from(snappy.compress(Buffer.from([0x0a, 0xff, 0xff])))),
  'snappy stating a size over the limit': proto(() => {
    const b = Buffer.from(snappy.compress(Buffer.alloc(MAX + 10, 0x61)));
    return b;
  }),
  'gzip that does not inflate': proto(() => Buffer.from('not gzip at all'), 'gzip'),
  'a gzip bomb': proto(() => gzipSync(Buffer.alloc(4 * MAX)), 'gzip'),
  'an unsupported encoding': proto(() => Buffer.from('x'), 'br'),
  'OTLP JSON that does not parse': json('{"resourceLogs": [', 'otlp'),
  'OTLP protobuf that does not parse': proto(() => Buffer.from([0x0a, 0xff, 0xff, 0xff]), '', 'otlp'),
};

for (const [name, make] of Object.entries(BAD)) {
  test(`a body with ${name} gets the same error from a worker`, async () => {
    let inline: unknown;
    try {
      decodeBody(make());
    } catch (e) {
      inline = e;
    }
    assert.ok(
      inline instanceof PushDecodeError,
      `decoding inline throws a PushDecodeError: ${String(inline)}`,
    );
    const fromWorker = await pool.decode(make()).then(
      () => assert.fail('a bad body decodes'),
      (e: unknown) => e,
    );
    assert.ok(fromWorker instanceof PushDecodeError);
    assert.deepEqual(
      { code: fromWorker.code, message: fromWorker.message, field: fromWorker.field },
      { code: inline.code, message: inline.message, field: inline.field },
    );
  });
}

test('a good body decodes to the same streams in a worker, with the fields the storage derives', async () => {
  const streams = [
    {
      labels: '{app="a", level="INFO"}',
      entries: Array.from({ length: 500 }, (_, i) => ({
        ts: 1_700_000_000_000_000_000n + BigInt(i),
        line: `line ${i} ✓ ${'x'.repeat(i % 50)}`,
        ...(i % 2 ? { metadata: { trace_id: `trace-${i}`, user_id: 'u' } } : {}),
      })),
    },
  ];
  const make = proto(() => encodePushProtobuf(streams));
  const inline = decodeBody(make());
  const got = await pool.decode(make());
  const bare = (s: RawStream[]) =>
    s.map((x) => ({ labels: x.labels, entries: x.entries.map(({ derived: _, ...e }) => e) }));
  assert.deepEqual(bare(got), bare(inline));
  for (const e of got[0]!.entries) assert.deepEqual(e.derived, deriveEntryFields(e));
  // Many at once, over both workers: each answer is its own body's.
  const many = await Promise.all(
    Array.from({ length: 8 }, (_, k) =>
      pool.decode(json(`{"streams":[{"stream":{"k":"${k}"},"values":[["${k + 1}","line ${k}"]]}]}`)()),
    ),
  );
  assert.deepEqual(
    many.map((s) => s[0]!.labels),
    Array.from({ length: 8 }, (_, k) => ({ k: String(k) })),
  );
});

test('a pool of size 0 decodes on the calling thread', async () => {
  const inline = new DecodePool(0);
  await assert.rejects(inline.decode(BAD['JSON that does not parse']!()), PushDecodeError);
  assert.equal((await inline.decode(json('{"streams":[]}')())).length, 0);
  await inline.close();
});
