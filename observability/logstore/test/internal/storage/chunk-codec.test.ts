import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeChunk, encodeChunk } from '../../../src/internal/storage/chunk-codec.js';

test('chunk decoding with substring filters returns exactly the matching entries', () => {
  const entries = Array.from({ length: 500 }, (_, i) => ({
    ts: BigInt(i),
    h: i,
    line: i % 7 === 0 ? `needle ${i} here` : `hay ${i} with "needle"-like metadata elsewhere`,
    meta: i % 3 === 0 ? '{"trace_id":"needle-in-metadata"}' : null,
  }));
  const data = encodeChunk(entries);
  assert.deepEqual(decodeChunk(data), entries);
  assert.deepEqual(
    decodeChunk(data, ['needle ']),
    entries.filter((e) => e.line.includes('needle ')),
  );
  assert.deepEqual(
    decodeChunk(data, ['needle', '14']),
    entries.filter((e) => e.line.includes('needle') && e.line.includes('14')),
  );
  assert.deepEqual(decodeChunk(data, ['absent']), []);
});
