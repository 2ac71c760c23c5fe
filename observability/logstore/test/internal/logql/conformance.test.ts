// Runs the LogQL conformance table (conformance-cases.ts) against the engine over real storage.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { formatLabels } from '../../../src/internal/labels.js';
import { DEFAULT_LIMITS } from '../../../src/internal/limits.js';
import { QueryEngine, QueryError } from '../../../src/internal/logql/engine.js';
import { LogStorage } from '../../../src/internal/storage/log-storage.js';
import { CASES, DATASET, LINES, SEC } from './conformance-cases.js';

const BASE = 1_700_000_000n * SEC;

/** The dataset in storage: as rows, or with everything but each stream's newest entry sealed into chunks. */
function load(sealed: boolean): LogStorage {
  const storage = new LogStorage({ dataDir: ':memory:' });
  storage.append(
    'fake',
    DATASET.map((s) => ({
      labels: s.labels,
      entries: s.entries.map((e) => ({
        ts: BASE + BigInt(e.at) * SEC,
        line: LINES[e.line]!,
        ...(e.metadata ? { metadata: e.metadata } : {}),
      })),
    })),
  );
  if (sealed) assert.ok(storage.seal(0n, 1) > 0);
  return storage;
}
const stores = [load(false), load(true)];
after(() => {
  for (const s of stores) s.close();
});

const lineOf = (s: string) => (/^L\d+$/.test(s) ? LINES[s]! : s);

for (const [k, storage] of stores.entries()) {
  describe(`LogQL conformance (${k === 0 ? 'entries as rows' : 'entries sealed in compressed chunks'})`, () => {
    const engine = new QueryEngine(storage, () => DEFAULT_LIMITS);
    assert.ok(CASES.length >= 150, `${CASES.length} cases`);
    for (const [i, c] of CASES.entries()) {
      test(`#${i + 1} ${c.query}${c.range ? ` [range ${c.range.join(',')}]` : ''}${c.limit ? ` limit=${c.limit}` : ''}${c.direction ? ` ${c.direction}` : ''}`, async () => {
        const isRange = c.range !== undefined || 'lines' in c.expect || 'matrix' in c.expect;
        const [s, e, st] = c.range ?? [0, 60, 1];
        const run = () =>
          engine.run('fake', {
            query: c.query,
            start: isRange ? BASE + BigInt(s) * SEC : BASE + 60n * SEC,
            end: isRange ? BASE + BigInt(e) * SEC + (c.range ? 0n : 1n) : BASE + 60n * SEC,
            step: BigInt(st) * SEC,
            limit: c.limit ?? 100,
            direction: c.direction ?? 'backward',
            instant: !isRange,
          });
        const x = c.expect;
        if ('error' in x) {
          await assert.rejects(run, (err: unknown) => {
            assert.ok(err instanceof QueryError, String(err));
            assert.equal(err.status, x.error);
            if (x.match) assert.match(err.message, x.match);
            return true;
          });
          return;
        }
        const { data } = await run();
        if ('lines' in x) {
          assert.equal(data.resultType, 'streams');
          if (data.resultType !== 'streams') return;
          const flat = data.result.flatMap((r) =>
            r.values.map((v) => ({ ts: BigInt(v[0]), line: v[1], labels: r.stream })),
          );
          flat.sort((a, b) => (a.ts === b.ts ? 0 : a.ts < b.ts === (c.direction === 'forward') ? -1 : 1));
          assert.deepEqual(
            flat.map((f) => f.line),
            x.lines.map(lineOf),
          );
          if (x.labels) assert.deepEqual(flat[0]!.labels, x.labels);
        } else if ('scalar' in x) {
          assert.equal(data.resultType, 'scalar');
          if (data.resultType === 'scalar') assert.equal(data.result[1], x.scalar);
        } else if ('vector' in x) {
          assert.equal(data.resultType, 'vector');
          if (data.resultType !== 'vector') return;
          const got = Object.fromEntries(data.result.map((r) => [formatLabels(r.metric), r.value[1]]));
          assert.deepEqual(got, x.vector);
        } else {
          assert.equal(data.resultType, 'matrix');
          if (data.resultType !== 'matrix') return;
          const base = Number(BASE / SEC);
          const got = Object.fromEntries(
            data.result.map((r) => [
              formatLabels(r.metric),
              r.values.map(([t, v]) => [t - base, v] as [number, string]),
            ]),
          );
          assert.deepEqual(got, x.matrix);
        }
      });
    }
  });
}
