import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKeyCache } from '../../src/keys/api-key-cache.js';
import type { ApiKeyRecord } from '../../src/keys/api-key-store.js';

const record = (id: string): ApiKeyRecord => ({
  id,
  userId: 'u',
  name: null,
  prefix: 'sk-abcdefgh',
  status: 'active',
  rpmLimit: null,
  tpmLimit: null,
  createdAt: new Date(0),
  expiresAt: null,
  revokedAt: null,
});

test('fresh within freshMs, fallback within fallbackMs, gone after', () => {
  const cache = new ApiKeyCache({ freshMs: 5_000, fallbackMs: 60_000 });
  cache.set('h', record('k1'), 0);
  assert.equal(cache.fresh('h', 4_999)?.id, 'k1');
  assert.equal(cache.fresh('h', 5_000), undefined);
  assert.equal(cache.fallback('h', 59_999)?.id, 'k1');
  assert.equal(cache.fallback('h', 60_000), undefined);
  assert.equal(cache.size, 0);
});

test('bounded: the least recently used record is evicted first', () => {
  const cache = new ApiKeyCache({ maxEntries: 2 });
  cache.set('a', record('a'), 0);
  cache.set('b', record('b'), 0);
  assert.ok(cache.fallback('a', 1));
  cache.set('c', record('c'), 2);
  assert.equal(cache.size, 2);
  assert.equal(cache.fallback('b', 3), undefined);
  assert.ok(cache.fallback('a', 3));
  assert.ok(cache.fallback('c', 3));
});

test('freshMs 0: never fresh, still a fallback; both 0: nothing kept', () => {
  const cache = new ApiKeyCache({ freshMs: 0, fallbackMs: 1000 });
  cache.set('h', record('k'), 0);
  assert.equal(cache.fresh('h', 0), undefined);
  assert.equal(cache.fallback('h', 10)?.id, 'k');
  const off = new ApiKeyCache({ freshMs: 0, fallbackMs: 0 });
  off.set('h', record('k'), 0);
  assert.equal(off.size, 0);
});
