import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { TokenSet, tokensEqual } from '../../src/internal/token-set.js';

const a = 'token-of-tenant-a-0000000000';
const b = 'token-of-tenant-b-1111111111';

test('a token maps to its tenant; unknown tokens and prefixes map to none', () => {
  const set = new TokenSet([
    { tenant: 'a', token: a },
    { tenant: 'a', token: `${a}-second` },
    { tenant: 'b', token: b },
  ]);
  assert.equal(set.tenantFor(a), 'a');
  assert.equal(set.tenantFor(`${a}-second`), 'a');
  assert.equal(set.tenantFor(b), 'b');
  assert.equal(set.tenantFor(a.slice(0, -1)), undefined);
  assert.equal(set.tenantFor(''), undefined);
  assert.deepEqual(set.tenants().sort(), ['a', 'b']);
  assert.equal(tokensEqual(a, a), true);
  assert.equal(tokensEqual(a, b), false);
});

test('matching is constant time: timingSafeEqual over equal-length digests, every token compared', (t) => {
  const set = new TokenSet([
    { tenant: 'a', token: a },
    { tenant: 'b', token: b },
    { tenant: 'c', token: 'token-of-tenant-c-2222222222' },
  ]);
  const calls: Array<[number, number]> = [];
  const original = crypto.timingSafeEqual;
  t.mock.method(crypto, 'timingSafeEqual', (x: NodeJS.ArrayBufferView, y: NodeJS.ArrayBufferView) => {
    calls.push([x.byteLength, y.byteLength]);
    return original(x, y);
  });
  assert.equal(set.tenantFor(a), 'a');
  assert.equal(calls.length, 3, 'every stored token is compared, also after the match');
  for (const c of calls) assert.deepEqual(c, [32, 32]);
  calls.length = 0;
  assert.equal(set.tenantFor('not-a-token-at-all'), undefined);
  assert.equal(calls.length, 3);
});
