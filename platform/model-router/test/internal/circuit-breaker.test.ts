import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CircuitBreaker } from '../../src/internal/circuit-breaker.js';

test('opens after the threshold, lets one trial through after openMs, closes on its success', () => {
  let now = 0;
  const b = new CircuitBreaker(3, 1000, () => now);
  b.onFailure();
  b.onFailure();
  assert.equal(b.state, 'closed');
  b.onSuccess();
  b.onFailure();
  b.onFailure();
  assert.equal(b.state, 'closed', 'a success resets the count');
  b.onFailure();
  assert.equal(b.state, 'open');
  assert.equal(b.tryAcquire(), false);
  now = 1000;
  assert.equal(b.state, 'half-open');
  assert.equal(b.tryAcquire(), true);
  assert.equal(b.tryAcquire(), false, 'one trial at a time');
  b.onSuccess();
  assert.equal(b.state, 'closed');
});

test('a failed trial opens it again; a released trial frees the slot', () => {
  let now = 0;
  const b = new CircuitBreaker(1, 500, () => now);
  b.onFailure();
  now = 500;
  assert.equal(b.tryAcquire(), true);
  b.release();
  assert.equal(b.tryAcquire(), true);
  b.onFailure();
  assert.equal(b.state, 'open');
  now = 999;
  assert.equal(b.canPass(), false);
  now = 1000;
  assert.equal(b.canPass(), true);
});
