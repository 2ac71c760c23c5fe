import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { protoFile } from '@opsight/contracts/proto';

test('protoFile names the shipped file, the same one the package export resolves', () => {
  const path = protoFile('model_router.proto');
  assert.match(readFileSync(path, 'utf8'), /service ModelRouter/);
  const exported = createRequire(import.meta.url).resolve('@opsight/contracts/proto/model_router.proto');
  assert.equal(exported, path);
});

test('an unknown proto name is refused with the path it looked for', () => {
  assert.throws(() => protoFile('nope.proto' as 'model_router.proto'), /nope\.proto is missing at/);
});
