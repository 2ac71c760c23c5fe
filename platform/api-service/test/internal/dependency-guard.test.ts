import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DependencyGuard, DependencyUnavailable } from '../../src/internal/dependency-guard.js';

test('a call that never settles fails with DependencyUnavailable after the timeout', async () => {
  const guard = new DependencyGuard('redis', { timeoutMs: 20, backoffMs: 1000 });
  await assert.rejects(
    guard.run(() => new Promise(() => {})),
    (e: unknown) => e instanceof DependencyUnavailable && e.dependency === 'redis',
  );
  assert.equal(guard.down, true);
});

test('during the back-off calls fail without running; after it, the next call runs and success clears it', async () => {
  let clock = 1000;
  let runs = 0;
  const guard = new DependencyGuard('postgres', { timeoutMs: 1000, backoffMs: 500, now: () => clock });
  await assert.rejects(
    guard.run(async () => {
      runs++;
      throw new Error('ECONNREFUSED');
    }),
    /postgres: ECONNREFUSED/,
  );
  await assert.rejects(
    guard.run(async () => {
      runs++;
      return 1;
    }),
    /recent failure/,
  );
  assert.equal(runs, 1);
  clock += 500;
  assert.equal(await guard.run(async () => ++runs), 2);
  assert.equal(guard.down, false);
  guard.markDown(new Error('ping failed'));
  assert.equal(guard.down, true);
  guard.markUp();
  assert.equal(await guard.run(async () => 'ok'), 'ok');
});
