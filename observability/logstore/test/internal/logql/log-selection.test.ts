// A metric query reads one large stream in windows of about a slice each, letting the event loop turn
// between them, and answers as one read would.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LIMITS } from '../../../src/internal/limits.js';
import { QueryEngine } from '../../../src/internal/logql/engine.js';
import { LogStorage } from '../../../src/internal/storage/log-storage.js';

const S = 1_000_000_000n;
const BASE = 1_700_000_000n * S;
const N = 6000;

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // a slow read
  }
}

for (const sealed of [false, true]) {
  test(`one stream's read lets the event loop turn within it (${sealed ? 'sealed' : 'rows'})`, async () => {
    const storage = new LogStorage({ dataDir: ':memory:' });
    storage.append('t', [
      {
        labels: { app: 'big' },
        entries: Array.from({ length: N }, (_, i) => ({
          ts: BASE + (BigInt(i) * 3600n * S) / BigInt(N),
          line: `line ${i}`,
        })),
      },
    ]);
    if (sealed) assert.ok(storage.seal(0n, 1) > 0);
    let calls = 0;
    const read = storage.forEachInRange.bind(storage);
    storage.forEachInRange = (stream, opts, fn) => {
      calls++;
      read(stream, opts, (ts, line, meta) => {
        busy(0.02);
        fn(ts, line, meta);
      });
    };
    const engine = new QueryEngine(storage, () => DEFAULT_LIMITS, { splitInterval: 0n });
    let turns = 0;
    const timer = setInterval(() => turns++, 0);
    try {
      const { data } = await engine.run('t', {
        query: 'sum(count_over_time({app="big"}[1h]))',
        start: BASE + 3600n * S,
        end: BASE + 3600n * S,
        step: 0n,
        limit: 100,
        direction: 'backward',
        instant: true,
      });
      assert.equal(data.resultType, 'vector');
      if (data.resultType === 'vector') assert.equal(data.result[0]!.value[1], String(N - 1));
    } finally {
      clearInterval(timer);
      storage.close();
    }
    assert.ok(calls > 1, `${calls} reads`);
    assert.ok(turns > 1, `${turns} turns of the event loop`);
  });
}
