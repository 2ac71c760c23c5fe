import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openDatabase } from '@opsight/sqlite';
import { LogStorage, type ScanOptions } from '../../../src/internal/storage/log-storage.js';
import { newScanStats } from '../../../src/internal/storage/scan-stats.js';

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

test('sealing moves old entries into compressed chunks; scans, trace lookups, counts and reopen see the same data', () => {
  const dir = tmp();
  const s = new LogStorage({ dataDir: dir });
  const labels = { app: 'sealed' };
  const entries = Array.from({ length: 1000 }, (_, i) => ({
    ts: BigInt(i + 1) * 1_000_000_000n,
    line: `{"i":${i},"message":"request completed","path":"/v1/chat/completions"}`,
    ...(i % 100 === 0 ? { metadata: { trace_id: `trace-${i}` } } : {}),
  }));
  s.append('t', [{ labels, entries }]);
  const st = s.streams('t')[0]!;
  const before = [...s.scanStream(st, all)];
  const sealedCount = s.seal(100n * 1_000_000_000n, 1);
  assert.equal(sealedCount, 899, 'entries more than 100 s behind the newest are sealed');
  assert.equal(s.seal(100n * 1_000_000_000n, 1), 0, 'sealing again finds nothing new');
  assert.deepEqual([...s.scanStream(st, all)], before);
  assert.deepEqual([...s.scanStream(st, { ...all, direction: 'backward' })], [...before].reverse());
  assert.deepEqual(
    [
      ...s.scanStream(st, {
        from: 500n * 1_000_000_000n,
        to: 905n * 1_000_000_000n,
        direction: 'forward',
        contains: ['"i":9'],
      }),
    ].map((e) => e.ts / 1_000_000_000n),
    [901n, 902n, 903n, 904n],
  );
  const seen: bigint[] = [];
  s.forEachInRange(st, { from: 0n, to: 1n << 62n }, (ts) => seen.push(ts));
  assert.deepEqual(
    seen,
    before.map((e) => e.ts),
  );
  assert.equal(s.byTraceId('t', 'trace-100', 0n, 1n << 62n)[0]?.line, entries[100]!.line);
  assert.equal(s.byTraceId('t', 'trace-900', 0n, 1n << 62n)[0]?.line, entries[900]!.line);
  assert.deepEqual(s.countRange([st], 0n, 1n << 62n), {
    entries: 1000,
    bytes: entries.reduce((n, e) => n + Buffer.byteLength(e.line), 0),
  });
  assert.equal(s.countRange([st], 450n * 1_000_000_000n, 460n * 1_000_000_000n).entries, 10);
  s.close();
  const r = new LogStorage({ dataDir: dir });
  const again = r.streams('t')[0]!;
  assert.equal(again.minTs, 1_000_000_000n);
  assert.equal(again.maxTs, 1000n * 1_000_000_000n);
  assert.equal([...r.scanStream(again, all)].length, 1000);
  // Retention cuts through a chunk and keeps its newer part.
  assert.equal(r.deleteOlderThan(250n * 1_000_000_000n + 1n), 250);
  const left = [...r.scanStream(again, all)];
  assert.equal(left.length, 750);
  assert.equal(left[0]!.ts, 251n * 1_000_000_000n);
  assert.equal(r.byTraceId('t', 'trace-100', 0n, 1n << 62n).length, 0);
  assert.equal(r.byTraceId('t', 'trace-300', 0n, 1n << 62n).length, 1);
  r.close();
});

test('a read counts the head rows and the sealed chunks it decodes into its stats', () => {
  const s = new LogStorage({ dataDir: ':memory:' });
  const entries = Array.from({ length: 300 }, (_, i) => ({
    ts: BigInt(i + 1),
    line: `{"level":"INFO","msg":"request served","path":"/v1/chat","n":${i}}`,
  }));
  s.append('t', [{ labels: { app: 'a' }, entries }]);
  // Everything more than 100 ns behind the newest entry is sealed: 199 entries in one chunk.
  assert.equal(s.seal(100n, 1), 199);
  const stream = s.streams('t')[0]!;
  const stats = newScanStats();
  const read = [...s.scanStream(stream, { ...all, stats })];
  assert.equal(read.length, 300);
  assert.equal(stats.chunksDecoded, 1);
  assert.equal(stats.decompressedLines, 199);
  assert.ok(stats.compressedBytes > 0 && stats.compressedBytes < stats.decompressedBytes);
  assert.equal(stats.headRows, 101);
  const ranged = newScanStats();
  let n = 0;
  s.forEachInRange(stream, { from: 250n, to: 1n << 62n, stats: ranged }, () => n++);
  assert.equal(n, 51);
  assert.equal(ranged.chunksDecoded, 0, 'the chunk ends before the range');
  assert.equal(ranged.headRows, 51);
  s.close();
});

function serviceEntries(n: number, t0 = 1_000_000_000n) {
  return Array.from({ length: n }, (_, i) => ({
    ts: t0 + BigInt(i) * 1_000_000n,
    line: JSON.stringify({
      level: 'INFO',
      message: i % 500 === 3 ? 'rare needle here' : 'request completed',
      latency_ms: i % 1000,
      trace_id: `t${i.toString(16).padStart(12, '0')}`,
      // Long enough lines that 6000 entries fill several blocks.
      path: `/v1/chat/completions/${'segment/'.repeat(40)}${i % 13}`,
    }),
    metadata: { trace_id: `t${i.toString(16).padStart(12, '0')}`, user_id: `u${i % 7}` },
  }));
}

test('sealing is one transaction per stream: a failure mid-seal leaves every row, and no block', () => {
  const s = new LogStorage({ dataDir: ':memory:' });
  const entries = serviceEntries(6000);
  s.append('t', [{ labels: { app: 'a' }, entries }]);
  const st = s.streams('t')[0]!;
  const before = [...s.scanStream(st, all)];
  // The second block's write fails, after the first one was written in the same transaction.
  s.db.exec(`CREATE TEMP TRIGGER fail_second_block BEFORE INSERT ON block_data
               WHEN (SELECT COUNT(*) FROM block_data) >= 1 BEGIN SELECT RAISE(ABORT, 'injected'); END`);
  assert.throws(() => s.seal(0n, 1), /injected/);
  const count = (table: string) =>
    (s.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  assert.equal(count('blocks'), 0);
  assert.equal(count('block_data'), 0);
  assert.equal(count('entries'), 6000);
  assert.equal(count('trace_index'), 6000);
  assert.deepEqual([...s.scanStream(st, all)], before);
  s.db.exec('DROP TRIGGER fail_second_block');
  assert.equal(s.seal(0n, 1), 5999);
  assert.equal(count('entries'), 1);
  assert.equal(count('trace_index'), 1, 'the sealed entries left the trace index');
  assert.ok(count('blocks') >= 2);
  assert.deepEqual([...s.scanStream(st, all)], before);
  assert.equal(
    s.byTraceId('t', entries[4000]!.metadata.trace_id, 0n, 1n << 62n)[0]?.line,
    entries[4000]!.line,
  );
  s.close();
});

test('sealed reads skip the blocks their filters rule out, and count them', () => {
  const s = new LogStorage({ dataDir: ':memory:' });
  const entries = serviceEntries(6000);
  s.append('t', [{ labels: { app: 'a' }, entries }]);
  s.seal(0n, 1);
  const st = s.streams('t')[0]!;
  const blocks = (s.db.prepare('SELECT COUNT(*) AS n FROM blocks').get() as { n: number }).n;
  assert.ok(blocks >= 3, `${blocks} blocks`);

  const rare = newScanStats();
  const hits = [...s.scanStream(st, { ...all, contains: ['rare needle'], stats: rare })];
  assert.deepEqual(
    hits.map((e) => e.line),
    entries.filter((e) => e.line.includes('rare needle')).map((e) => e.line),
  );
  assert.equal(rare.chunksDecoded + rare.chunksSkipped, blocks);

  const absent = newScanStats();
  assert.deepEqual([...s.scanStream(st, { ...all, contains: ['no such words'], stats: absent })], []);
  assert.ok(absent.chunksSkipped >= blocks - 1, `${absent.chunksSkipped} of ${blocks} skipped`);

  // No entry has latency_ms above 999: every block is ruled out, and nothing is lost by the hint.
  const bounded = newScanStats();
  let n = 0;
  s.forEachInRange(
    st,
    { from: 0n, to: 1n << 62n, fieldBounds: [{ field: 'latency_ms', op: '>', value: 999 }], stats: bounded },
    () => n++,
  );
  assert.equal(n, 1, 'the unsealed row is still read');
  assert.equal(bounded.chunksSkipped, blocks);
  assert.equal(bounded.chunksDecoded, 0);
  const some = newScanStats();
  const kept: string[] = [];
  s.forEachInRange(
    st,
    { from: 0n, to: 1n << 62n, fieldBounds: [{ field: 'latency_ms', op: '>=', value: 998 }], stats: some },
    (_ts, line) => kept.push(line),
  );
  assert.ok(kept.length >= 12, 'entries that satisfy the bound are all still read');

  // A trace lookup decodes (about) one block.
  const traced = newScanStats();
  const found = s.byTraceId('t', entries[2500]!.metadata.trace_id, 0n, 1n << 62n, traced);
  assert.deepEqual(
    found.map((e) => [e.ts, e.line, e.metadata]),
    [[entries[2500]!.ts, entries[2500]!.line, entries[2500]!.metadata]],
  );
  assert.ok(traced.chunksDecoded <= 2, `${traced.chunksDecoded} blocks decoded`);
  assert.equal(traced.indexHits, 1);

  // The newest lines decode the newest block only, and the one before it only when they reach into it.
  const inNewest = (
    s.db.prepare('SELECT entries FROM blocks ORDER BY max_ts DESC LIMIT 1').get() as { entries: number }
  ).entries;
  const newest = newScanStats();
  const it = s.scanStream(st, { ...all, direction: 'backward', stats: newest });
  for (let i = 0; i < 1 + inNewest; i++) it.next(); // the unsealed row, then the newest block
  assert.equal(newest.chunksDecoded, 1);
  it.next();
  it.return(undefined);
  assert.equal(newest.chunksDecoded, 2);
  s.close();
});

test('a store with format 1 chunks is converted on open and reads back identical', async () => {
  const { encodeChunk } = await import('../../../src/internal/storage/chunk-codec.js');
  const { lineHash } = await import('../../../src/internal/storage/line-hash.js');
  const dir = tmp();
  const s = new LogStorage({ dataDir: dir });
  const entries = serviceEntries(5000);
  s.append('t', [{ labels: { app: 'old' }, entries }]);
  const st = s.streams('t')[0]!;
  const before = [...s.scanStream(st, all)];
  // What an older release's seal left: format 1 chunks of up to 4096 entries, the rows gone, the trace
  // index rows kept.
  s.db.exec(`CREATE TABLE chunks (id INTEGER PRIMARY KEY, stream_id INTEGER NOT NULL, min_ts INTEGER NOT NULL,
               max_ts INTEGER NOT NULL, entries INTEGER NOT NULL, raw_bytes INTEGER NOT NULL, data BLOB NOT NULL)`);
  const insert = s.db.prepare(
    'INSERT INTO chunks (stream_id, min_ts, max_ts, entries, raw_bytes, data) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const old = entries.slice(0, 4500).map((e) => ({
    ts: e.ts,
    h: lineHash(e.line),
    line: e.line,
    meta: JSON.stringify(e.metadata),
  }));
  for (let i = 0; i < old.length; i += 4096) {
    const run = old.slice(i, i + 4096);
    insert.run(st.id, run[0]!.ts, run[run.length - 1]!.ts, run.length, 0, encodeChunk(run));
  }
  s.db.prepare('DELETE FROM entries WHERE ts <= ?').run(old[old.length - 1]!.ts);
  s.close();

  const r = new LogStorage({ dataDir: dir });
  const again = r.streams('t')[0]!;
  assert.deepEqual([...r.scanStream(again, all)], before);
  assert.equal(again.minTs, entries[0]!.ts);
  const count = (sql: string) => (r.db.prepare(sql).get() as { n: number }).n;
  assert.equal(count("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'chunks'"), 0);
  assert.equal(count('SELECT COUNT(*) AS n FROM trace_index'), 500, 'only the rows keep index rows');
  assert.equal(count('SELECT SUM(entries) AS n FROM blocks'), 4500);
  for (const i of [0, 4095, 4096, 4499, 4500, 4999])
    assert.equal(r.byTraceId('t', entries[i]!.metadata.trace_id, 0n, 1n << 62n)[0]?.line, entries[i]!.line);
  assert.deepEqual(r.countRange([again], 0n, 1n << 62n), {
    entries: 5000,
    bytes: entries.reduce((n, e) => n + Buffer.byteLength(e.line), 0),
  });
  r.close();
});

test("a tenant's sealed blocks count in its bytes, and retention by size evicts them oldest first", () => {
  const dir = tmp();
  const s = new LogStorage({ dataDir: dir });
  s.append('big', [{ labels: { app: 'a' }, entries: serviceEntries(6000) }]);
  s.append('small', [{ labels: { app: 'b' }, entries: serviceEntries(600) }]);
  const rowsOnly = s.tenantBytes();
  s.seal(0n, 1);
  const sealed = s.tenantBytes();
  assert.ok(sealed.get('big')! > 0 && sealed.get('small')! > 0);
  assert.ok(
    sealed.get('big')! < rowsOnly.get('big')! / 3,
    'sealed blocks are counted at their compressed size',
  );
  assert.ok(sealed.get('big')! > 5 * sealed.get('small')!);
  const used = s.usedBytes();
  const deleted = s.applyRetention(0n, undefined, Math.floor(used * 0.8), ['big', 'small']);
  assert.ok(deleted > 0);
  const big = [...s.scanStream(s.streams('big')[0]!, all)];
  assert.ok(big.length < 6000 && big.length > 0);
  assert.equal(big[big.length - 1]!.ts, serviceEntries(6000)[5999]!.ts, 'the newest entry is kept');
  assert.equal(
    [...s.scanStream(s.streams('small')[0]!, all)].length,
    600,
    'a tenant within its share keeps all',
  );
  s.close();
});

test('kill -9 in the middle of sealing: every entry reads back once, each stream rows or blocks', async () => {
  const dir = tmp();
  const s = new LogStorage({ dataDir: dir });
  const streams = Array.from({ length: 30 }, (_, k) => ({
    labels: { app: `app-${k}` },
    entries: serviceEntries(3000, BigInt(k + 1) * 1_000_000_000n),
  }));
  s.append('t', streams);
  const before = new Map(s.streams('t').map((st) => [st.key, [...s.scanStream(st, all)]]));
  s.close();
  const storage = new URL('../../../src/internal/storage/log-storage.js', import.meta.url).href;
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { LogStorage } = await import(${JSON.stringify(storage)});
       const s = new LogStorage({ dataDir: ${JSON.stringify(dir)} });
       process.stdout.write('sealing\\n');
       s.seal(0n, 1);
       process.stdout.write('sealed\\n');
       setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  await new Promise<void>((resolve) =>
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('sealing')) resolve();
    }),
  );
  // Killed as soon as a first stream's seal has committed (sealing them all takes far longer).
  const watch = openDatabase(join(dir, 'logs.sqlite'));
  const blocks = watch.prepare('SELECT COUNT(*) AS n FROM blocks');
  while ((blocks.get() as { n: number }).n === 0) await new Promise((r) => setTimeout(r, 2));
  child.kill('SIGKILL');
  watch.close();
  await new Promise((r) => child.once('exit', r));
  const r = new LogStorage({ dataDir: dir });
  let sealedStreams = 0;
  for (const st of r.streams('t')) {
    assert.deepEqual([...r.scanStream(st, all)], before.get(st.key), st.key);
    const rows = (
      r.db.prepare('SELECT COUNT(*) AS n FROM entries WHERE stream_id = ?').get(st.id) as { n: number }
    ).n;
    const inBlocks = (
      r.db.prepare('SELECT COALESCE(SUM(entries), 0) AS n FROM blocks WHERE stream_id = ?').get(st.id) as {
        n: number;
      }
    ).n;
    assert.ok(
      (rows === 3000 && inBlocks === 0) || (rows === 1 && inBlocks === 2999),
      `${st.key}: ${rows} rows, ${inBlocks} in blocks`,
    );
    if (inBlocks > 0) sealedStreams++;
  }
  assert.ok(sealedStreams >= 1 && sealedStreams < 30, `${sealedStreams} streams sealed before the kill`);
  // Whatever the kill left, a seal finishes the job.
  const left = r.seal(0n, 1);
  assert.equal(left, (30 - sealedStreams) * 2999, `${sealedStreams} streams were sealed before the kill`);
  for (const st of r.streams('t')) assert.deepEqual([...r.scanStream(st, all)], before.get(st.key));
  r.close();
});
