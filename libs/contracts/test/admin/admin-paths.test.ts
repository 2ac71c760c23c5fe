import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN_PATHS } from '@opsight/contracts/admin';

test('the admin paths are distinct absolute paths', () => {
  const paths = Object.values(ADMIN_PATHS);
  assert.equal(new Set(paths).size, paths.length);
  for (const path of paths) assert.match(path, /^\/[a-z]+$/);
});
