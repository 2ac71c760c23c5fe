import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BlockView,
  encodeBlock,
  metaPairs,
  type SealedEntry,
} from '../../../src/internal/storage/block-codec.js';

const T0 = 1_700_000_000_000_000_000n;

function sample(): SealedEntry[] {
  return Array.from({ length: 700 }, (_, i) => {
    const trace = `${i.toString(16).padStart(8, '0')}aaaabbbbccccddddeeeeffff`;
    const line =
      i % 5 === 0
        ? `plain text ${i} héllo ✓ "quoted"`
        : JSON.stringify({ level: 'INFO', msg: `request ${i}`, trace_id: trace, latency_ms: i });
    const meta =
      i % 7 === 0
        ? null
        : i % 11 === 0
          ? '{"nested":{"a":1},"n":2}' // not a flat object of strings: kept as text
          : JSON.stringify({ trace_id: trace, user_id: `u${i % 3}`, 'odd "name"': 'x\ny' });
    // Equal timestamps, a big jump, and a small step.
    const ts = T0 + BigInt(Math.floor(i / 3)) * 17n + (i > 600 ? 86_400_000_000_000n : 0n);
    return { ts, line, meta };
  });
}

test('a block reads back every entry identical: timestamp, line and metadata', () => {
  const entries = sample();
  for (const compression of ['zstd', 'deflate'] as const) {
    const enc = encodeBlock(entries, compression);
    const v = new BlockView(enc.data);
    assert.equal(v.length, entries.length);
    assert.deepEqual(
      Array.from({ length: v.length }, (_, i) => v.entry(i)),
      entries,
    );
    assert.equal(
      v.lineBytes(),
      entries.reduce((n, e) => n + Buffer.byteLength(e.line), 0),
    );
    assert.equal(enc.traceIds.length, entries.filter((e) => e.meta?.includes('trace_id')).length);
  }
});

test('metadata that is not a flat object of strings, or not in canonical form, is kept as its text', () => {
  const entries: SealedEntry[] = [
    { ts: 1n, line: 'a', meta: '{"b":"1","a":"2"}' },
    { ts: 2n, line: 'b', meta: '{"a": "spaced"}' },
    { ts: 3n, line: 'c', meta: '{"n":5}' },
    { ts: 4n, line: 'd', meta: '[]' },
    { ts: 5n, line: 'e', meta: 'not json' },
    { ts: 6n, line: '', meta: '{}' },
  ];
  const v = new BlockView(encodeBlock(entries).data);
  assert.deepEqual(
    Array.from({ length: v.length }, (_, i) => v.entry(i)),
    entries,
  );
});

test('matching returns the entries in range whose lines hold every needle, never across two lines', () => {
  const entries: SealedEntry[] = Array.from({ length: 300 }, (_, i) => ({
    ts: BigInt(i),
    line: i % 10 === 9 ? `end nee` : i % 10 === 0 ? `dle start ${i}` : `needle ${i} here`,
    meta: null,
  }));
  const v = new BlockView(encodeBlock(entries).data);
  const want = (from: number, to: number, needles: string[]) =>
    entries
      .map((e, i) => ({ e, i }))
      .filter(
        ({ e }) => e.ts >= BigInt(from) && e.ts < BigInt(to) && needles.every((n) => e.line.includes(n)),
      )
      .map(({ i }) => i);
  assert.deepEqual(v.matching(0n, 300n, ['needle']), want(0, 300, ['needle']));
  assert.deepEqual(v.matching(15n, 42n, ['needle', '3']), want(15, 42, ['needle', '3']));
  assert.deepEqual(v.matching(0n, 300n, ['nee']), want(0, 300, ['nee']));
  assert.deepEqual(v.matching(0n, 300n, ['absent']), []);
  assert.deepEqual(v.matching(5n, 8n, []), [5, 6, 7]);
  assert.equal(v.lowerBound(-5n), 0);
  assert.equal(v.lowerBound(1000n), 300);
});

test('holding finds the entries whose line or metadata holds a value', () => {
  const entries: SealedEntry[] = [
    { ts: 1n, line: '{"trace_id":"abcdef123456"}', meta: '{"trace_id":"abcdef123456"}' },
    { ts: 2n, line: 'no id here', meta: '{"trace_id":"abcdef123456"}' },
    { ts: 3n, line: 'other', meta: '{"trace_id":"999999999999"}' },
    { ts: 4n, line: 'abcdef123456 in the line only', meta: null },
  ];
  const v = new BlockView(encodeBlock(entries).data);
  assert.deepEqual(v.holding('abcdef123456'), [0, 1, 3]);
  assert.deepEqual(v.holding('nothing'), []);
});

test('a block refuses what it cannot hold, and an unknown format', () => {
  assert.throws(() => encodeBlock([]), /at least one entry/);
  assert.throws(
    () =>
      encodeBlock([
        { ts: 0n, line: 'a', meta: null },
        { ts: 1n << 60n, line: 'b', meta: null },
      ]),
    /spans too much time/,
  );
  const data = Buffer.from(encodeBlock([{ ts: 0n, line: 'a', meta: null }]).data);
  data[0] = 9;
  assert.throws(() => new BlockView(data), /unknown block format 9/);
});

test("metadata in the store's own form is read without JSON.parse, and exactly", () => {
  const forms = [
    { trace_id: 'abc', user_id: 'u1' },
    { '': '', b: 'x y', '1': 'integer-like key first' },
    { emoji: '😀', ctrl: 'a\u0001b', quote: 'say "hi"', slash: 'a\\b', sep: '","' },
  ];
  for (const md of forms) {
    const meta = JSON.stringify(md);
    assert.deepEqual(metaPairs(meta), Object.entries(md));
    const v = new BlockView(encodeBlock([{ ts: 1n, line: JSON.stringify(md), meta }]).data);
    assert.equal(v.meta(0), meta);
  }
});
