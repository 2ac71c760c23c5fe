import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONSOLE_PORT, HTTP_GUARD_ENV, resolveGuardPolicy } from '../src/index.js';

test('the documented defaults of the guard variables are the ones it applies', () => {
  const defaults = Object.fromEntries(
    Object.entries(HTTP_GUARD_ENV).flatMap(([name, v]) =>
      v.default === undefined ? [] : [[name, v.default]],
    ),
  );
  assert.equal(defaults.OPSIGHT_CONSOLE_PORT, String(DEFAULT_CONSOLE_PORT));
  assert.deepEqual(
    resolveGuardPolicy({}, defaults).allowedOrigins,
    resolveGuardPolicy({}, {}).allowedOrigins,
  );
});

test('every variable listed changes the policy', () => {
  const base = resolveGuardPolicy({}, {});
  const set = (name: string, value: string) => resolveGuardPolicy({}, { [name]: value });
  assert.notDeepEqual(set('OPSIGHT_ALLOWED_HOSTS', 'api.example').allowedHosts, base.allowedHosts);
  assert.notDeepEqual(
    set('OPSIGHT_ALLOWED_ORIGINS', 'https://a.example').allowedOrigins,
    base.allowedOrigins,
  );
  assert.notDeepEqual(set('OPSIGHT_CONSOLE_PORT', '3999').allowedOrigins, base.allowedOrigins);
  assert.deepEqual(Object.keys(HTTP_GUARD_ENV).sort(), [
    'OPSIGHT_ALLOWED_HOSTS',
    'OPSIGHT_ALLOWED_ORIGINS',
    'OPSIGHT_CONSOLE_PORT',
  ]);
});
