// The wire reader of PushRequest against protobufjs's decoding of the same bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RawStream } from '../../../src/internal/push/decode-push.js';
import { pushRequestType } from '../../../src/internal/push/push-proto.js';
import { decodePushRequest, WireError } from '../../../src/internal/push/push-wire.js';

interface PbEntry {
  timestamp?: { seconds?: number | { toString(): string }; nanos?: number };
  line?: string;
  structuredMetadata?: Array<{ name?: string; value?: string }>;
}

/** protobufjs's decoding, mapped to streams as the store mapped it before the wire reader. */
function viaProtobufjs(bytes: Uint8Array): RawStream[] {
  const msg = pushRequestType().decode(bytes) as {
    streams?: Array<{ labels?: string; entries?: PbEntry[] }>;
  };
  return (msg.streams ?? []).map((s) => ({
    labels: s.labels ?? '',
    entries: (s.entries ?? []).map((e) => {
      const secs = e.timestamp?.seconds ?? 0;
      const entry: RawStream['entries'][number] = {
        ts:
          BigInt(typeof secs === 'number' ? secs : secs.toString()) * 1_000_000_000n +
          BigInt(e.timestamp?.nanos ?? 0),
        line: e.line ?? '',
      };
      if (e.structuredMetadata && e.structuredMetadata.length > 0) {
        entry.metadata = {};
        for (const p of e.structuredMetadata) entry.metadata[p.name ?? ''] = p.value ?? '';
      }
      return entry;
    }),
  }));
}

let seed = 7;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const text = (n: number) =>
  Array.from({ length: n }, () => ['a', 'é', '✓', '😀', ' ', '"', '\n'][Math.floor(rnd() * 7)]).join('');

test('decodes what protobufjs decodes, for varied requests', () => {
  const type = pushRequestType();
  for (let round = 0; round < 60; round++) {
    const streams = Array.from({ length: Math.floor(rnd() * 4) }, () => ({
      ...(rnd() < 0.9 ? { labels: `{app="${text(5)}"}` } : {}),
      hash: Math.floor(rnd() * 1e9),
      entries: Array.from({ length: Math.floor(rnd() * 20) }, () => ({
        ...(rnd() < 0.95
          ? {
              timestamp: {
                seconds: [0, 1, 1_700_000_000 + Math.floor(rnd() * 1e6), 2 ** 40, -5][Math.floor(rnd() * 5)],
                nanos: [0, 999_999_999, Math.floor(rnd() * 1e9), -1][Math.floor(rnd() * 4)],
              },
            }
          : {}),
        ...(rnd() < 0.95 ? { line: text(Math.floor(rnd() * 300)) } : {}),
        structuredMetadata: Array.from({ length: Math.floor(rnd() * 3) }, () => ({
          name: `k${Math.floor(rnd() * 3)}`,
          ...(rnd() < 0.9 ? { value: text(8) } : {}),
        })),
      })),
    }));
    const bytes = type.encode(type.create({ streams })).finish();
    assert.deepEqual(decodePushRequest(bytes), viaProtobufjs(bytes), `round ${round}`);
  }
});

test('skips unknown fields and refuses truncated or malformed bytes', () => {
  const type = pushRequestType();
  const bytes = type
    .encode(type.create({ streams: [{ labels: '{a="b"}', entries: [{ line: 'x' }] }] }))
    .finish();
  // An unknown varint field (15) and an unknown fixed32 field (14) before the streams.
  const withUnknown = Buffer.concat([Buffer.from([0x78, 0x96, 0x01, 0x75, 1, 2, 3, 4]), bytes]);
  assert.deepEqual(decodePushRequest(withUnknown), viaProtobufjs(withUnknown));
  assert.throws(() => decodePushRequest(bytes.subarray(0, bytes.length - 1)), WireError);
  assert.throws(() => decodePushRequest(Buffer.from([0x0a, 0xff, 0xff])), WireError);
  assert.throws(() => decodePushRequest(Buffer.from([0x0b])), WireError, 'a group wire type');
  assert.deepEqual(decodePushRequest(Buffer.alloc(0)), []);
});
