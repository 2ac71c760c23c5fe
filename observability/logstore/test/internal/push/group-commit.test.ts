// Group commit: pushes ready together share one transaction; each is answered with its own outcome, and
// a push that fails validation or the disk never fails its neighbours.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogStoreApi } from '../../../src/internal/api/log-store-api.js';
import { LogStoreError } from '../../../src/internal/api/log-store-error.js';
import { DEFAULT_LIMITS } from '../../../src/internal/limits.js';
import type { RawStream } from '../../../src/internal/push/decode-push.js';
import { GroupCommit } from '../../../src/internal/push/group-commit.js';
import { Ingester, type PushOutcome } from '../../../src/internal/push/ingester.js';
import { LogStorage } from '../../../src/internal/storage/log-storage.js';

const limits = () => ({ ...DEFAULT_LIMITS, ingestion_rate_mb: 1000, ingestion_burst_size_mb: 1000 });
const nowMs = Date.now();
const at = (i: number) => BigInt(nowMs) * 1_000_000n + BigInt(i);
const lines = (app: string, n: number, size = 20): RawStream[] => [
  {
    labels: { app },
    entries: Array.from({ length: n }, (_, i) => ({ ts: at(i), line: `${app} ${i} ${'p'.repeat(size)}` })),
  },
];
const stored = (s: LogStorage, tenant: string, app: string) => {
  const st = s.findStream(tenant, { app });
  return st ? [...s.scanStream(st, { from: 0n, to: 1n << 62n, direction: 'forward' })].length : 0;
};

/** Counts the storage's transactions (appendGroup calls) and their sizes. */
function spyGroups(s: LogStorage): number[][] {
  const calls: number[][] = [];
  const appendGroup = s.appendGroup.bind(s);
  s.appendGroup = (groups) => {
    calls.push(groups.map((g) => g.batch.length));
    return appendGroup(groups);
  };
  return calls;
}

test('requests submitted in one turn share a group; each gets its own result or error', async () => {
  const groups: string[][] = [];
  const gc = new GroupCommit<string, string>(
    (reqs) => {
      groups.push(reqs);
      return reqs.map((r) => (r === 'bad' ? new Error(`refused ${r}`) : `ok ${r}`));
    },
    { maxGroupSize: 3 },
  );
  const results = await Promise.allSettled(['a', 'bad', 'b', 'c', 'd'].map((r) => gc.submit(r)));
  assert.deepEqual(groups, [
    ['a', 'bad', 'b'],
    ['c', 'd'],
  ]);
  assert.deepEqual(
    results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
    ['ok a', 'refused bad', 'ok b', 'ok c', 'ok d'],
  );
  assert.equal(gc.waiting(), 0);
  // A commit that throws fails its group only.
  let fail = true;
  const flaky = new GroupCommit<string, string>((reqs) => {
    if (fail) {
      fail = false;
      throw new Error('disk');
    }
    return reqs;
  });
  await assert.rejects(flaky.submit('x'), /disk/);
  assert.equal(await flaky.submit('y'), 'y');
});

test('two pushes in one group: the invalid one is refused alone, the valid one stored, one transaction', () => {
  const s = new LogStorage({ dataDir: ':memory:' });
  const calls = spyGroups(s);
  const ing = new Ingester(s, limits, nowMs);
  const tooOld: RawStream[] = [
    { labels: '{app="bad"', entries: [{ ts: at(0), line: 'unparsable labels' }] },
    { labels: { app: 'old' }, entries: [{ ts: 1n, line: 'too old' }] },
  ];
  const [good, bad] = ing.pushGroup(
    [
      { tenant: 't', streams: lines('good', 10) },
      { tenant: 't', streams: tooOld },
    ],
    nowMs,
  ) as PushOutcome[];
  assert.equal(good!.status, 204);
  assert.equal(good!.accepted, 10);
  assert.equal(bad!.status, 400);
  assert.deepEqual(
    bad!.errors.map((e) => e.code),
    ['INVALID_LABELS', 'TIMESTAMP_TOO_OLD'],
  );
  assert.equal(stored(s, 't', 'good'), 10);
  assert.equal(stored(s, 't', 'old'), 0);
  assert.deepEqual(calls, [[1]], 'one transaction, holding the valid push');
});

test('a later push of a group is validated as if the earlier ones were stored (stream limit, duplicates)', () => {
  const s = new LogStorage({ dataDir: ':memory:' });
  const ing = new Ingester(s, () => ({ ...limits(), max_global_streams_per_user: 1 }), nowMs);
  const [first, second, again] = ing.pushGroup(
    [
      { tenant: 't', streams: lines('one', 3) },
      { tenant: 't', streams: lines('two', 3) },
      { tenant: 't', streams: lines('one', 3) },
    ],
    nowMs,
  ) as PushOutcome[];
  assert.equal(first!.status, 204);
  assert.equal(second!.status, 429, 'the second stream is over the limit the first one filled');
  assert.equal(again!.status, 204);
  assert.equal(again!.accepted, 0, 'the same entries again are duplicates, stored once');
  assert.equal(stored(s, 't', 'one'), 3);
  assert.equal(stored(s, 't', 'two'), 0);
});

test('a full disk fails only the push that does not fit: its neighbours are stored, nothing of it is', () => {
  const s = new LogStorage({ dataDir: ':memory:' });
  const ing = new Ingester(s, limits, nowMs);
  assert.equal(ing.push('t', lines('warm', 5), nowMs).status, 204);
  const pages = s.db.pragma('page_count', { simple: true }) as number;
  s.db.pragma(`max_page_count = ${pages + 4}`);
  const calls = spyGroups(s);
  const results = ing.pushGroup(
    [
      { tenant: 't', streams: lines('small', 5) },
      { tenant: 't', streams: lines('huge', 3000, 400) },
      { tenant: 'u', streams: lines('small', 5) },
    ],
    nowMs,
  );
  assert.deepEqual(calls, [[1, 1, 1], [1], [1], [1]], 'the group, then each push alone');
  assert.equal((results[0] as PushOutcome).status, 204);
  assert.equal((results[2] as PushOutcome).status, 204);
  assert.ok(results[1] instanceof Error);
  assert.equal((results[1] as Error & { code?: string }).code, 'SQLITE_FULL');
  assert.equal(stored(s, 't', 'small'), 5);
  assert.equal(stored(s, 'u', 'small'), 5);
  assert.equal(stored(s, 't', 'huge'), 0, 'nothing of the failed push is stored');
  assert.equal(s.findStream('t', { app: 'huge' }), undefined, 'not even its stream');
  assert.equal(
    s.countRange(s.streams('t'), 0n, 1n << 62n).entries,
    10,
    'the counts hold only what is stored',
  );
  // The store takes pushes again once there is room.
  s.db.pragma('max_page_count = 1073741823');
  assert.equal(ing.push('t', lines('huge', 3000, 400), nowMs).accepted, 3000);
  s.close();
});

test('pushes decoded together are committed together and each answered with its own outcome', async () => {
  const api = new LogStoreApi({ dataDir: ':memory:', retentionMaxBytes: 0, decodeWorkers: 0 });
  try {
    const calls = spyGroups(api.storage);
    const body = (app: string, ts: bigint) =>
      Buffer.from(
        JSON.stringify({ streams: [{ stream: { app }, values: [[ts.toString(), `${app} line`]] }] }),
      );
    const push = (b: Buffer) =>
      api.pushBody('t', {
        format: 'loki',
        body: b,
        contentType: 'application/json',
        contentEncoding: '',
        maxBytes: 1 << 20,
      });
    const [a, old, c] = await Promise.all([
      push(body('a', at(1))),
      push(body('old', 1n)),
      push(body('c', at(2))),
    ]);
    assert.deepEqual([a.status, old.status, c.status], [204, 400, 204]);
    assert.deepEqual(calls, [[1, 1]], 'one transaction for the two valid pushes');
    assert.equal(stored(api.storage, 't', 'a') + stored(api.storage, 't', 'c'), 2);
    // A full disk answers 503 to the push that does not fit, and not to its neighbour.
    const pages = api.storage.db.pragma('page_count', { simple: true }) as number;
    api.storage.db.pragma(`max_page_count = ${pages + 2}`);
    const big = Buffer.from(
      JSON.stringify({
        streams: [
          {
            stream: { app: 'big' },
            values: Array.from({ length: 2000 }, (_, i) => [
              at(10 + i).toString(),
              `${i} ${'b'.repeat(300)}`,
            ]),
          },
        ],
      }),
    );
    const [small, full] = await Promise.allSettled([push(body('d', at(3))), push(big)]);
    assert.equal(small.status === 'fulfilled' && small.value.status, 204);
    assert.ok(full.status === 'rejected' && full.reason instanceof LogStoreError);
    assert.equal((full.reason as LogStoreError).code, 'STORAGE_FULL');
    assert.equal(stored(api.storage, 't', 'big'), 0);
  } finally {
    api.close();
  }
});
