import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_LIMITS, type Limits } from '../../../src/internal/limits.js';
import type { RawStream } from '../../../src/internal/push/decode-push.js';
import { Ingester, truncateUtf8 } from '../../../src/internal/push/ingester.js';
import { LogStorage } from '../../../src/internal/storage/log-storage.js';

const MIN = 60_000;
const t0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const limits = (over: Partial<Limits> = {}): (() => Limits) => {
  const l = { ...DEFAULT_LIMITS, ingestion_rate_mb: 1000, ingestion_burst_size_mb: 1000, ...over };
  return () => l;
};
const flood = (n: number, atMs: number, prefix = 'flood'): RawStream[] =>
  Array.from({ length: n }, (_, i) => ({
    labels: { app: prefix, pod: `${prefix}-${i}` },
    entries: [{ ts: ns(atMs), line: `${prefix} line ${i}` }],
  }));
const one = (pod: string, atMs: number, line = `line of ${pod}`): RawStream[] => [
  { labels: { app: 'later', pod }, entries: [{ ts: ns(atMs), line }] },
];

test('after a flood of 5000 label sets, new streams get 429 until the flood goes idle, then are accepted', () => {
  const storage = new LogStorage({ dataDir: ':memory:' });
  const ing = new Ingester(storage, limits(), t0);
  assert.equal(ing.push('t', flood(5000, t0), t0).status, 204);
  assert.equal(ing.activeStreams('t', t0), 5000);

  const refused = ing.push('t', one('new-1', t0 + MIN), t0 + MIN);
  assert.equal(refused.status, 429);
  assert.equal(refused.errors[0]!.code, 'STREAM_LIMIT');
  assert.equal(refused.errors[0]!.stream, '{app="later", pod="new-1"}');
  assert.equal(refused.discarded.stream_limit, 1);
  assert.equal(storage.findStream('t', { app: 'later', pod: 'new-1' }), undefined, 'nothing stored');

  // 30 minutes (Loki's chunk_idle_period) after the flood's last entry, its streams are idle.
  const later = t0 + 30 * MIN;
  assert.equal(ing.activeStreams('t', later), 0);
  const ok = ing.push('t', one('new-1', later), later);
  assert.equal(ok.status, 204, JSON.stringify(ok.errors[0]));
  assert.equal(ing.activeStreams('t', later), 1);
  // The flood's data stays stored and queryable.
  assert.equal(storage.streamCount('t'), 5001);
  const s = storage.findStream('t', { app: 'flood', pod: 'flood-4999' })!;
  assert.deepEqual(
    [...storage.scanStream(s, { from: 0n, to: ns(later), direction: 'forward' })].map((e) => e.line),
    ['flood line 4999'],
  );
  storage.close();
});

test('a push over the limit keeps what fits; a stream back from idle needs room like a new one', () => {
  const storage = new LogStorage({ dataDir: ':memory:' });
  const ing = new Ingester(storage, limits({ max_global_streams_per_user: 2 }), t0);
  assert.equal(ing.push('t', flood(2, t0, 'old'), t0).status, 204);
  // t0 + 20m: the limit is full; old-0 is active and needs no room, a new stream is refused.
  const at20 = t0 + 20 * MIN;
  const full = ing.push('t', [...flood(1, at20, 'old'), ...one('keep', at20)], at20);
  assert.equal(full.status, 429);
  assert.equal(full.accepted, 1);
  assert.deepEqual(
    full.errors.map((e) => [e.code, e.streamIndex, e.stream]),
    [['STREAM_LIMIT', 1, '{app="later", pod="keep"}']],
  );
  // t0 + 45m: old-1 is idle (since t0 + 30m), old-0 still active (until t0 + 50m).
  const at45 = t0 + 45 * MIN;
  assert.equal(ing.activeStreams('t', at45), 1);
  const out = ing.push(
    't',
    [...flood(1, at45, 'old'), ...one('a', at45), ...flood(2, at45, 'old').slice(1), ...one('b', at45)],
    at45,
  );
  assert.equal(out.status, 429);
  assert.equal(out.accepted, 2, 'old-0 (active) and a (the 2nd active stream) are stored');
  assert.deepEqual(
    out.errors.map((e) => [e.code, e.streamIndex, e.stream]),
    [
      ['STREAM_LIMIT', 2, '{app="old", pod="old-1"}'],
      ['STREAM_LIMIT', 3, '{app="later", pod="b"}'],
    ],
  );
  assert.equal(ing.activeStreams('t', at45), 2);
  storage.close();
});

test('after a restart the active set is rebuilt from recent data; old data starts idle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ingester-restart-'));
  try {
    const l = limits({ max_global_streams_per_user: 100 });
    let storage = new LogStorage({ dataDir: dir });
    let ing = new Ingester(storage, l, t0);
    assert.equal(ing.push('t', flood(100, t0), t0).status, 204);
    storage.close();

    // Restarted 1 minute later: the flood is recent, still active, the limit still holds.
    storage = new LogStorage({ dataDir: dir });
    ing = new Ingester(storage, l, t0 + MIN);
    assert.equal(ing.activeStreams('t', t0 + MIN), 100);
    assert.equal(ing.push('t', one('x', t0 + MIN), t0 + MIN).status, 429);
    storage.close();

    // Restarted after the idle period: the flood is idle and new streams are accepted.
    storage = new LogStorage({ dataDir: dir });
    ing = new Ingester(storage, l, t0 + 31 * MIN);
    assert.equal(ing.activeStreams('t', t0 + 31 * MIN), 0);
    assert.equal(ing.push('t', one('x', t0 + 31 * MIN), t0 + 31 * MIN).status, 204);
    storage.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('entries too old and too new are rejected one by one with code, reason, stream and index; the rest is stored', () => {
  const storage = new LogStorage({ dataDir: ':memory:' });
  const ing = new Ingester(storage, limits(), t0);
  const out = ing.push(
    't',
    [
      {
        labels: { app: 'ts' },
        entries: [
          { ts: ns(t0), line: 'now' },
          { ts: ns(t0 - 8 * 24 * 60 * MIN), line: 'eight days ago' },
          { ts: ns(t0 + 11 * MIN), line: 'eleven minutes ahead' },
          { ts: ns(t0 + 9 * MIN), line: 'nine minutes ahead' },
        ],
      },
    ],
    t0,
  );
  assert.equal(out.status, 400);
  assert.equal(out.accepted, 2);
  assert.deepEqual(
    out.errors.map((e) => [e.code, e.reason, e.stream, e.streamIndex, e.entryIndex, e.field]),
    [
      ['TIMESTAMP_TOO_OLD', 'greater_than_max_sample_age', '{app="ts"}', 0, 1, 'streams[0].values[1]'],
      ['TIMESTAMP_TOO_NEW', 'too_far_in_future', '{app="ts"}', 0, 2, 'streams[0].values[2]'],
    ],
  );
  assert.match(out.errors[0]!.message, /^entry for stream '\{app="ts"\}' has timestamp too old: /);
  assert.match(out.errors[1]!.message, /^entry for stream '\{app="ts"\}' has timestamp too new: /);
  const s = storage.findStream('t', { app: 'ts' })!;
  const stored = [...storage.scanStream(s, { from: 0n, to: ns(t0 + 60 * MIN), direction: 'forward' })];
  assert.deepEqual(
    stored.map((e) => e.line),
    ['now', 'nine minutes ahead'],
  );
  storage.close();
});

test('max_line_size rejects a long line alone; with max_line_size_truncate it is cut and stored', () => {
  const long = `${'x'.repeat(300 * 1024)}`;
  const storage = new LogStorage({ dataDir: ':memory:' });
  const strict = new Ingester(storage, limits(), t0);
  const rejected = strict.push(
    't',
    [
      {
        labels: { app: 'l' },
        entries: [
          { ts: ns(t0), line: long },
          { ts: ns(t0), line: 'short' },
        ],
      },
    ],
    t0,
  );
  assert.equal(rejected.status, 400);
  assert.deepEqual(
    rejected.errors.map((e) => [e.code, e.entryIndex]),
    [['LINE_TOO_LONG', 0]],
  );
  assert.equal(rejected.accepted, 1);

  const lenient = new Ingester(storage, limits({ max_line_size_truncate: true }), t0);
  const cut = lenient.push('t', [{ labels: { app: 'l2' }, entries: [{ ts: ns(t0), line: long }] }], t0);
  assert.equal(cut.status, 204);
  assert.deepEqual(cut.truncated, { lines: 1, bytes: 300 * 1024 - 256 * 1024 });
  const s = storage.findStream('t', { app: 'l2' })!;
  const [e] = [...storage.scanStream(s, { from: 0n, to: ns(t0 + 1), direction: 'forward' })];
  assert.equal(e!.line.length, 256 * 1024);
  storage.close();
});

test('truncation never splits a UTF-8 character', () => {
  assert.equal(truncateUtf8('aé', 2), 'a'); // é is 2 bytes
  assert.equal(truncateUtf8('aé', 3), 'aé');
  assert.equal(truncateUtf8('€€', 4), '€'); // € is 3 bytes
  assert.equal(truncateUtf8('😀', 3), '');
});
