import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bearerToken, requestTenant } from '../../src/internal/request-tenant.js';
import { TokenSet } from '../../src/internal/token-set.js';

const auth = new TokenSet([
  { tenant: 'team-a', token: 'token-of-team-a-000000' },
  { tenant: 'team-b', token: 'token-of-team-b-000000' },
]);

test('without auth the header decides, as before', () => {
  assert.deepEqual(requestTenant(undefined, undefined, 'anyone'), { ok: true, tenant: 'anyone' });
  assert.deepEqual(requestTenant(undefined, undefined, undefined), { ok: true, tenant: undefined });
});

test('with auth the token decides; a disagreeing header is 403 TENANT_MISMATCH', () => {
  assert.deepEqual(requestTenant(auth, 'Bearer token-of-team-a-000000', undefined), {
    ok: true,
    tenant: 'team-a',
  });
  assert.deepEqual(requestTenant(auth, 'bearer token-of-team-a-000000', 'team-a'), {
    ok: true,
    tenant: 'team-a',
  });
  const mismatch = requestTenant(auth, 'Bearer token-of-team-a-000000', 'team-b');
  assert.equal(mismatch.ok, false);
  assert.deepEqual(mismatch.ok ? undefined : [mismatch.status, mismatch.code, mismatch.field], [
    403,
    'TENANT_MISMATCH',
    'X-Scope-OrgID',
  ]);
  for (const authorization of [undefined, 'Bearer nope', 'Basic token-of-team-a-000000', 'Bearer ']) {
    const d = requestTenant(auth, authorization, 'team-a');
    assert.deepEqual(d.ok ? undefined : [d.status, d.code, d.field], [401, 'UNAUTHORIZED', 'Authorization']);
  }
  assert.equal(bearerToken(['Bearer x', 'Bearer y']), 'x');
});
