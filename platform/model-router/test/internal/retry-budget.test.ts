import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RetryBudget } from '../../src/internal/retry-budget.js';

test('retries are limited to the ratio of calls plus the floor, over a 10 s window', () => {
  let now = 0;
  const budget = new RetryBudget(0.5, 0, () => now);
  for (let i = 0; i < 10; i++) budget.recordCall();
  let granted = 0;
  while (budget.tryRetry()) granted++;
  assert.equal(granted, 5);
  now = 5_000;
  assert.equal(budget.tryRetry(), false, 'still within the window');
  now = 10_500;
  for (let i = 0; i < 2; i++) budget.recordCall();
  assert.equal(budget.tryRetry(), true, 'old calls and retries left the window');
  assert.equal(budget.tryRetry(), false);
});

test('the floor allows retries with no traffic', () => {
  const budget = new RetryBudget(0, 0.2, () => 0);
  assert.equal(budget.tryRetry(), true);
  assert.equal(budget.tryRetry(), true);
  assert.equal(budget.tryRetry(), false);
});
