// The per-minute counts against a scan of what is stored: after duplicates, out-of-order entries, sealing,
// retention cutting through a minute, a reopen, and a database written before the counts existed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type Entry, LogStorage, type StreamInfo } from '../../../src/internal/storage/log-storage.js';
import { MINUTE_NS } from '../../../src/internal/storage/minute-counts.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'logstore-minutes-'));
  dirs.push(d);
  return d;
}

const S = 1_000_000_000n;
const T0 = 1_700_000_000n * S;

/** Counts by scanning the stored entries. */
function scanned(s: LogStorage, streams: StreamInfo[], from: bigint, to: bigint) {
  let entries = 0;
  let bytes = 0;
  for (const st of streams)
    for (const e of s.scanStream(st, { from, to, direction: 'forward' })) {
      entries++;
      bytes += Buffer.byteLength(e.line);
    }
  return { entries, bytes };
}

/** Ranges aligned and not aligned to minutes, inside, across and outside the data. */
function ranges(): Array<[bigint, bigint]> {
  const out: Array<[bigint, bigint]> = [
    [0n, 1n << 62n],
    [T0, T0 + 10n * MINUTE_NS],
    [T0 + 17n * S, T0 + 5n * MINUTE_NS + 3n * S],
    [T0 + MINUTE_NS + 1n, T0 + MINUTE_NS + 2n],
    [T0 + 2n * MINUTE_NS - 7n * S, T0 + 2n * MINUTE_NS + 7n * S],
    [T0 + 59n * S, T0 + 61n * S],
    [T0 - MINUTE_NS, T0],
  ];
  for (let i = 0; i < 12; i++) {
    const a = T0 + BigInt(i * 37) * S + BigInt(i) * 1_000_003n;
    out.push([a, a + BigInt(20 + i * 41) * S]);
  }
  return out;
}

function assertCountsMatch(s: LogStorage, tenant: string, why: string): void {
  const streams = s.streams(tenant);
  for (const [from, to] of ranges())
    assert.deepEqual(
      s.countRange(streams, from, to),
      scanned(s, streams, from, to),
      `${why}: [${from}, ${to})`,
    );
  for (const st of streams) {
    let sum = 0;
    for (const m of s.minuteCounts(st, 0n, 1n << 62n)) {
      assert.deepEqual(
        { lines: m.lines, bytes: m.bytes },
        (({ entries, bytes }) => ({ lines: entries, bytes }))(
          scanned(s, [st], m.minute, m.minute + MINUTE_NS),
        ),
        `${why}: ${st.key} minute ${m.minute}`,
      );
      sum += m.lines;
    }
    assert.equal(sum, scanned(s, [st], 0n, 1n << 62n).entries, `${why}: every entry of ${st.key} is counted`);
  }
}

/** Entries over about ten minutes, with multi-byte lines. */
function entriesOf(stream: number, n: number): Entry[] {
  return Array.from({ length: n }, (_, i) => ({
    ts: T0 + BigInt(i) * 3n * S + BigInt(stream) * 1_000n,
    line: `stream ${stream} line ${i} ${i % 7 === 0 ? 'héllo wörld ✓' : 'plain'}`,
    ...(i % 5 === 0 ? { metadata: { trace_id: `t-${stream}-${i}` } } : {}),
  }));
}

test('per-minute counts equal a scan of what is stored, through duplicates and out-of-order entries', () => {
  const s = new LogStorage({ dataDir: ':memory:' });
  const a = entriesOf(1, 200);
  const b = entriesOf(2, 120);
  // In order, in two pushes; then the first push again (a retry: all duplicates).
  assert.equal(s.append('t', [{ labels: { app: 'a' }, entries: a.slice(0, 100) }]).inserted, 100);
  assert.equal(s.append('t', [{ labels: { app: 'a' }, entries: a.slice(100) }]).inserted, 100);
  assert.equal(s.append('t', [{ labels: { app: 'a' }, entries: a.slice(0, 100) }]).inserted, 0);
  // Out of order and with duplicates inside one push; a same-time entry with another line is new.
  const shuffled = [...b].reverse();
  shuffled.push(b[3]!, b[3]!, { ts: b[3]!.ts, line: 'same time, other line' });
  assert.equal(s.append('t', [{ labels: { app: 'b' }, entries: shuffled }]).inserted, 121);
  // A group: the second push repeats some of the first's entries and adds older ones.
  assert.deepEqual(
    s.appendGroup([
      { tenant: 't', batch: [{ labels: { app: 'c' }, entries: entriesOf(3, 50).slice(10) }] },
      { tenant: 't', batch: [{ labels: { app: 'c' }, entries: entriesOf(3, 60) }] },
    ]),
    [40, 20],
  );
  assertCountsMatch(s, 't', 'after appends');
  s.close();
});

test('per-minute counts stay exact through sealing, retention through a minute, and a reopen', () => {
  const dir = tmp();
  const s = new LogStorage({ dataDir: dir });
  s.append('t', [
    { labels: { app: 'a' }, entries: entriesOf(1, 200) },
    { labels: { app: 'b' }, entries: entriesOf(2, 150) },
  ]);
  s.append('u', [{ labels: { app: 'a' }, entries: entriesOf(4, 100) }]);
  assert.ok(s.seal(2n * MINUTE_NS, 1) > 0, 'something was sealed');
  assertCountsMatch(s, 't', 'after sealing');
  // Retention of one tenant, cutting through a minute (and through a chunk).
  const cutoff = T0 + 2n * MINUTE_NS + 29n * S + 5n;
  assert.ok(s.deleteOlderThan(cutoff, 't') > 0);
  assertCountsMatch(s, 't', 'after retention');
  assertCountsMatch(s, 'u', 'the other tenant, untouched by retention');
  assert.equal(s.countRange(s.streams('u'), 0n, 1n << 62n).entries, 100);
  for (const st of s.streams('t'))
    assert.ok(
      s.minuteCounts(st, 0n, 1n << 62n).every((m) => m.minute >= (cutoff / MINUTE_NS) * MINUTE_NS),
      'no count is left before the cutoff',
    );
  s.close();
  const r = new LogStorage({ dataDir: dir });
  assertCountsMatch(r, 't', 'after a reopen');
  // Retention of everything: no counts are left.
  r.deleteOlderThan(1n << 62n);
  for (const st of [...r.streams('t'), ...r.streams('u')])
    assert.deepEqual(r.minuteCounts(st, 0n, 1n << 62n), []);
  r.close();
});

test('a database written before the per-minute counts existed is counted once when opened', () => {
  const dir = tmp();
  const s = new LogStorage({ dataDir: dir });
  s.append('t', [{ labels: { app: 'a' }, entries: entriesOf(1, 200) }]);
  s.seal(3n * MINUTE_NS, 1);
  s.db.exec('DROP TABLE minute_counts');
  s.close();
  const r = new LogStorage({ dataDir: dir });
  const st = r.streams('t')[0]!;
  assert.equal(
    r.minuteCounts(st, 0n, 1n << 62n).reduce((n, m) => n + m.lines, 0),
    200,
  );
  assertCountsMatch(r, 't', 'after the backfill');
  r.close();
});

test('minuteCounts lists only the whole minutes inside the range', () => {
  const s = new LogStorage({ dataDir: ':memory:' });
  s.append('t', [{ labels: { app: 'a' }, entries: entriesOf(1, 100) }]);
  const st = s.streams('t')[0]!;
  const got = s.minuteCounts(st, T0 + 1n, T0 + 3n * MINUTE_NS + 1n);
  assert.deepEqual(
    got.map((m) => m.minute),
    [T0 / MINUTE_NS + 1n, T0 / MINUTE_NS + 2n].map((m) => m * MINUTE_NS).filter((m) => m >= T0),
  );
  assert.deepEqual(s.minuteCounts(st, T0 + 1n, T0 + MINUTE_NS), []);
  s.close();
});
