import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { LogStorage, type ScanOptions } from '../../../src/internal/storage/log-storage.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'logstore-storage-'));
  dirs.push(d);
  return d;
}
const all: ScanOptions = { from: 0n, to: 1n << 62n, direction: 'forward' };

test('an exact duplicate (stream, timestamp, line) is stored once; a different line at the same time is kept', () => {
  const s = new LogStorage({ dataDir: ':memory:' });
  const labels = { app: 'a' };
  assert.equal(
    s.append('t', [
      {
        labels,
        entries: [
          { ts: 10n, line: 'x' },
          { ts: 10n, line: 'x' },
        ],
      },
    ]).inserted,
    1,
  );
  assert.equal(
    s.append('t', [
      {
        labels,
        entries: [
          { ts: 10n, line: 'x' },
          { ts: 10n, line: 'y' },
        ],
      },
    ]).inserted,
    1,
  );
  const lines = [...s.scanStream(s.streams('t')[0]!, all)].map((e) => e.line).sort();
  assert.deepEqual(lines, ['x', 'y']);
  s.close();
});

test('streams are keyed by tenant and label fingerprint, and survive a reopen with their bounds', () => {
  const dir = tmp();
  const s = new LogStorage({ dataDir: dir });
  s.append('t1', [
    {
      labels: { app: 'a', level: 'INFO' },
      entries: [
        { ts: 5n, line: 'one' },
        { ts: 7n, line: 'two' },
      ],
    },
  ]);
  s.append('t2', [{ labels: { level: 'INFO', app: 'a' }, entries: [{ ts: 6n, line: 'other tenant' }] }]);
  s.close();
  const r = new LogStorage({ dataDir: dir });
  assert.equal(r.streams('t1').length, 1);
  assert.equal(r.streams('t2').length, 1);
  const st = r.streams('t1')[0]!;
  assert.equal(st.key, '{app="a", level="INFO"}');
  assert.equal(st.minTs, 5n);
  assert.equal(st.maxTs, 7n);
  assert.deepEqual(
    [...r.scanStream(st, { ...all, direction: 'backward' })].map((e) => e.line),
    ['two', 'one'],
  );
  r.close();
});

test('structured metadata is kept per entry and trace_id is indexed', () => {
  const s = new LogStorage({ dataDir: ':memory:' });
  s.append('t', [
    {
      labels: { app: 'a' },
      entries: [
        { ts: 1n, line: 'l1', metadata: { trace_id: 'abc', user_id: 'u1' } },
        { ts: 2n, line: 'l2', metadata: { trace_id: 'def' } },
        { ts: 3n, line: 'l3' },
      ],
    },
  ]);
  s.append('other', [
    { labels: { app: 'a' }, entries: [{ ts: 1n, line: 'x', metadata: { trace_id: 'abc' } }] },
  ]);
  const hits = s.byTraceId('t', 'abc', 0n, 10n);
  assert.equal(hits.length, 1);
  assert.equal(hits[0]!.line, 'l1');
  assert.deepEqual(hits[0]!.metadata, { trace_id: 'abc', user_id: 'u1' });
  assert.equal(s.byTraceId('t', 'abc', 2n, 10n).length, 0);
  s.close();
});

test('a scan pushes substring filters down and respects the half-open time range', () => {
  const s = new LogStorage({ dataDir: ':memory:' });
  s.append('t', [
    {
      labels: { app: 'a' },
      entries: [1n, 2n, 3n, 4n].map((ts) => ({ ts, line: `line ${ts} ${ts % 2n ? 'odd' : 'even'}` })),
    },
  ]);
  const st = s.streams('t')[0]!;
  assert.deepEqual(
    [...s.scanStream(st, { from: 2n, to: 4n, direction: 'forward' })].map((e) => e.ts),
    [2n, 3n],
  );
  assert.deepEqual(
    [...s.scanStream(st, { ...all, contains: ['odd'] })].map((e) => e.ts),
    [1n, 3n],
  );
  s.close();
});

test('retention by age deletes old entries and their trace index rows', () => {
  const s = new LogStorage({ dataDir: ':memory:' });
  s.append('t', [
    {
      labels: { app: 'a' },
      entries: [
        { ts: 100n, line: 'old', metadata: { trace_id: 'x' } },
        { ts: 1000n, line: 'new' },
      ],
    },
  ]);
  assert.equal(s.applyRetention(1100n, 500n), 1);
  assert.deepEqual(
    [...s.scanStream(s.streams('t')[0]!, all)].map((e) => e.line),
    ['new'],
  );
  assert.equal(s.byTraceId('t', 'x', 0n, 2000n).length, 0);
  assert.equal(s.streams('t')[0]!.minTs, 1000n);
  s.close();
});

test('retention by size drops the oldest entries until the database fits', () => {
  const dir = tmp();
  const s = new LogStorage({ dataDir: dir });
  const line = 'x'.repeat(1000);
  for (let b = 0; b < 20; b++) {
    s.append('t', [
      {
        labels: { app: 'a' },
        entries: Array.from({ length: 100 }, (_, i) => ({
          ts: BigInt(b * 100 + i + 1),
          line: `${i}${line}`,
        })),
      },
    ]);
  }
  const before = s.usedBytes();
  assert.ok(before > 2_000_000);
  const limit = Math.floor(before / 2);
  const deleted = s.applyRetention(0n, undefined, limit);
  assert.ok(deleted > 0);
  assert.ok(s.usedBytes() <= limit, `${s.usedBytes()} <= ${limit}`);
  const ts = [...s.scanStream(s.streams('t')[0]!, all)].map((e) => e.ts);
  assert.equal(ts[ts.length - 1], 2000n, 'the newest entry is kept');
  assert.ok(ts[0]! > 1n, 'the oldest entries went first');
  s.close();
});
