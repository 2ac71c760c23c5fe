// The query gate at the edges of its limits: max_query_parallelism turns, a queue of
// max_outstanding_requests_per_tenant, a bounded wait, and a waiter whose client goes away.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogStoreError } from '../../../src/internal/api/log-store-error.js';
import { QueryGate } from '../../../src/internal/api/query-gate.js';
import { DEFAULT_LIMITS, type Limits } from '../../../src/internal/limits.js';

const gateOf = (l: Partial<Limits>) => new QueryGate(() => ({ ...DEFAULT_LIMITS, ...l }));
const far = () => Date.now() + 60_000;
const refusedWith = (code: string, status: number) => (e: unknown) =>
  e instanceof LogStoreError && e.code === code && e.status === status;

test('max_query_parallelism queries of a tenant run at once; the next one waits for a turn', async () => {
  const gate = gateOf({ max_query_parallelism: 2 });
  const a = await gate.enter('t', { deadline: far() });
  const b = await gate.enter('t', { deadline: far() });
  assert.equal(gate.running(), 2);
  let admitted = false;
  const c = gate.enter('t', { deadline: far() }).then((release) => {
    admitted = true;
    return release;
  });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(admitted, false, 'the third query waits');
  assert.equal(gate.waiting('t'), 1);
  // Another tenant has its own turns.
  (await gate.enter('other', { deadline: far() }))();
  a();
  a(); // a second give-back of the same turn changes nothing
  const release = await c;
  assert.equal(admitted, true);
  assert.equal(gate.running(), 2);
  b();
  release();
  assert.equal(gate.running(), 0);
});

test('waiting queries are admitted in arrival order', async () => {
  const gate = gateOf({ max_query_parallelism: 1 });
  const first = await gate.enter('t', { deadline: far() });
  const order: number[] = [];
  const waits = [1, 2, 3].map((n) =>
    gate.enter('t', { deadline: far() }).then((release) => {
      order.push(n);
      release();
    }),
  );
  first();
  await Promise.all(waits);
  assert.deepEqual(order, [1, 2, 3]);
});

test('max_outstanding_requests_per_tenant waiting queries are kept; one more is refused 429 at once', async () => {
  const gate = gateOf({ max_query_parallelism: 1, max_outstanding_requests_per_tenant: 2 });
  const running = await gate.enter('t', { deadline: far() });
  const w1 = gate.enter('t', { deadline: far() });
  const w2 = gate.enter('t', { deadline: far() });
  await assert.rejects(gate.enter('t', { deadline: far() }), (e: unknown) => {
    assert.ok(refusedWith('TOO_MANY_OUTSTANDING_REQUESTS', 429)(e));
    assert.equal((e as LogStoreError).message, 'too many outstanding requests');
    assert.equal((e as LogStoreError).retryAfterSeconds, 1);
    return true;
  });
  running();
  (await w1)();
  (await w2)();
  assert.equal(gate.running(), 0);
});

test('a query waits max_queue_wait_ms for a turn, then is refused 429 QUERY_QUEUE_TIMEOUT', async () => {
  const gate = gateOf({ max_query_parallelism: 1, max_queue_wait_ms: 50 });
  const running = await gate.enter('t', { deadline: far() });
  const started = Date.now();
  await assert.rejects(gate.enter('t', { deadline: far() }), refusedWith('QUERY_QUEUE_TIMEOUT', 429));
  assert.ok(Date.now() - started >= 45, `waited ${Date.now() - started} ms`);
  assert.equal(gate.waiting('t'), 0, 'the refused query left the queue');
  running();
});

test('the wait never runs past the query deadline', async () => {
  const gate = gateOf({ max_query_parallelism: 1, max_queue_wait_ms: 60_000 });
  const running = await gate.enter('t', { deadline: far() });
  const started = Date.now();
  await assert.rejects(
    gate.enter('t', { deadline: Date.now() + 40 }),
    refusedWith('QUERY_QUEUE_TIMEOUT', 429),
  );
  assert.ok(Date.now() - started < 5_000);
  running();
});

test('a waiting query whose client goes away leaves the queue (QUERY_CANCELLED) and takes no turn', async () => {
  const gate = gateOf({ max_query_parallelism: 1 });
  const running = await gate.enter('t', { deadline: far() });
  const gone = new AbortController();
  const waiting = gate.enter('t', { deadline: far(), signal: gone.signal });
  gone.abort();
  await assert.rejects(waiting, refusedWith('QUERY_CANCELLED', 499));
  assert.equal(gate.waiting('t'), 0);
  running();
  assert.equal(gate.running(), 0);
  await assert.rejects(
    gate.enter('t', { deadline: far(), signal: gone.signal }),
    refusedWith('QUERY_CANCELLED', 499),
  );
});

test('max_query_parallelism 0 disables querying, as in Loki', async () => {
  await assert.rejects(gateOf({ max_query_parallelism: 0 }).enter('t', { deadline: far() }), (e: unknown) => {
    assert.ok(refusedWith('QUERYING_DISABLED', 400)(e));
    assert.equal((e as Error).message, 'querying is disabled, please contact your Loki operator');
    return true;
  });
});
