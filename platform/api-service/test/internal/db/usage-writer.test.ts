import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { migrate } from '../../../src/internal/db/migrations.js';
import { type UsageRow, UsageWriter } from '../../../src/internal/db/usage-writer.js';
import { startPostgres, type Throwaway } from '../../../src/testing/throwaway-databases.js';

let postgres: Throwaway;
let pool: pg.Pool;

before(async () => {
  postgres = await startPostgres();
  pool = new pg.Pool({ connectionString: postgres.url });
  // An idle connection ended by the server's shutdown at teardown is expected, not a failure.
  pool.on('error', () => {});
  await migrate(pool);
});
after(async () => {
  await pool?.end();
  await postgres?.stop();
});

const row = (i: number, keyId: string): UsageRow => ({
  at: new Date(),
  requestId: `req-${i}`,
  userId: 'u',
  keyId,
  model: 'sim-small',
  promptTokens: i,
  completionTokens: 1,
  latencyMs: 1.5,
  status: 200,
  errorCode: null,
  stream: false,
  cached: false,
});

/** A pool whose INSERTs are counted, and fail while `failing` is set. */
function countingPool() {
  const state = { inserts: 0, failing: false };
  const wrapped = {
    query: (text: string, values?: unknown[]) => {
      if (text.startsWith('INSERT')) {
        if (state.failing) return Promise.reject(new Error('connection refused'));
        state.inserts++;
      }
      return pool.query(text, values);
    },
  } as unknown as pg.Pool;
  return { wrapped, state };
}

async function count(keyId: string): Promise<number> {
  const { rows } = await pool.query(
    'SELECT count(*)::int AS n, sum(total_tokens)::int AS t FROM api_usage WHERE key_id = $1',
    [keyId],
  );
  return rows[0].n;
}

test('rows are written in multi-row INSERTs of batchSize; a full batch is written at once', async () => {
  const { wrapped, state } = countingPool();
  const outcomes: [string, number][] = [];
  const writer = new UsageWriter(wrapped, {
    batchSize: 3,
    flushIntervalMs: 60_000,
    onOutcome: (o, n) => outcomes.push([o, n]),
  });
  for (let i = 0; i < 7; i++) writer.add(row(i, 'k-batch'));
  await writer.close();
  assert.equal(await count('k-batch'), 7);
  assert.equal(state.inserts, 3);
  assert.deepEqual(outcomes, [
    ['written', 3],
    ['written', 3],
    ['written', 1],
  ]);
  const { rows } = await pool.query(
    "SELECT total_tokens FROM api_usage WHERE request_id = 'req-6' AND key_id = 'k-batch'",
  );
  assert.equal(rows[0].total_tokens, 7);
});

test('a failed batch is kept and written at the next flush; rows beyond maxQueued are dropped', async () => {
  const { wrapped, state } = countingPool();
  const outcomes: [string, number][] = [];
  const errors: unknown[] = [];
  const writer = new UsageWriter(wrapped, {
    batchSize: 10,
    maxQueued: 4,
    flushIntervalMs: 60_000,
    onOutcome: (o, n) => outcomes.push([o, n]),
    onError: (e) => errors.push(e),
  });
  state.failing = true;
  for (let i = 0; i < 5; i++) writer.add(row(i, 'k-retry'));
  await writer.flush();
  assert.equal(errors.length, 1);
  assert.equal(writer.queued, 4);
  assert.equal(await count('k-retry'), 0);
  state.failing = false;
  await writer.close();
  assert.equal(await count('k-retry'), 4);
  assert.deepEqual(outcomes, [
    ['dropped', 1],
    ['written', 4],
  ]);
});

test('close() with the database down counts the rows it could not write as dropped', async () => {
  const { wrapped, state } = countingPool();
  const outcomes: [string, number][] = [];
  const queued: number[] = [];
  const writer = new UsageWriter(wrapped, {
    flushIntervalMs: 60_000,
    onOutcome: (o, n) => outcomes.push([o, n]),
    onQueued: (n) => queued.push(n),
  });
  state.failing = true;
  for (let i = 0; i < 3; i++) writer.add(row(i, 'k-close'));
  assert.equal(await writer.close(), 3);
  assert.deepEqual(outcomes, [['dropped', 3]]);
  assert.deepEqual(queued, [1, 2, 3, 3, 0]);
  assert.equal(await count('k-close'), 0);
});
