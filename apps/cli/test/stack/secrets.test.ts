import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureSecret } from '../../src/stack/secrets.js';

test('secrets are generated 0600 in a 0700 directory, and modes that drifted are fixed on the next start', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'opsight-secrets-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'var', 'secrets');
  const value = ensureSecret(dir, 'redis');
  assert.match(value, /^[\w-]{32}$/);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, 'redis')).mode & 0o777, 0o600);
  // Parents stay traversable: PostgreSQL's user needs var/.
  assert.notEqual(statSync(join(root, 'var')).mode & 0o011, 0);
  // A copy or an older release left them readable by everyone; the next start closes them again.
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'redis'), 0o644);
  const fixed: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => {
    fixed.push(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    assert.equal(ensureSecret(dir, 'redis'), value);
  } finally {
    process.stderr.write = write;
  }
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, 'redis')).mode & 0o777, 0o600);
  assert.equal(readFileSync(join(dir, 'redis'), 'utf8'), `${value}\n`);
  assert.deepEqual(
    fixed.map((l) => JSON.parse(l).mode_before),
    ['0755', '0644'],
  );
});
