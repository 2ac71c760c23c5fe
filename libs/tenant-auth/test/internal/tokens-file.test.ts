import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TokensFile } from '../../src/internal/tokens-file.js';

const old = 'old-token-of-team-a-000000';
const next = 'new-token-of-team-a-111111';

test('rotation without restart: after the file changes the old token is refused and the new one accepted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenant-auth-'));
  try {
    const path = join(dir, 'tokens');
    writeFileSync(path, `team-a ${old}\n`);
    const file = new TokensFile(path, { pollMs: 0 });
    assert.equal(file.tenantFor(old), 'team-a');
    assert.equal(file.tenantFor(next), undefined);
    // Replace the file the way editors and secret mounts do: write a new one, rename over.
    writeFileSync(join(dir, 'tokens.tmp'), `# rotated\nteam-a ${next}\n`);
    renameSync(join(dir, 'tokens.tmp'), path);
    assert.equal(file.tenantFor(old), undefined);
    assert.equal(file.tenantFor(next), 'team-a');
    file.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a malformed file: refused at load; on reload the previous tokens stay and the error is reported', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenant-auth-'));
  try {
    const path = join(dir, 'tokens');
    writeFileSync(path, 'team-a\n');
    assert.throws(() => new TokensFile(path, { pollMs: 0 }), /tokens:1: expected "<tenant> <token>"/);
    writeFileSync(path, '# nothing\n');
    assert.throws(() => new TokensFile(path, { pollMs: 0 }), /no tokens/);
    writeFileSync(path, `team-a ${old}\n`);
    const errors: Error[] = [];
    const file = new TokensFile(path, { pollMs: 0, onReloadError: (e) => errors.push(e) });
    writeFileSync(path, `team-a ${old}\nteam-b\n`);
    assert.equal(file.tenantFor(old), 'team-a');
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /tokens:2: expected/);
    file.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
