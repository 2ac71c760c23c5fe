import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Positions } from '../../../src/internal/collector/positions.js';

test('the positions file is made 0600 when opened, and every saved version is 0600', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'collector-positions-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'positions.json');
  writeFileSync(file, JSON.stringify({ version: 2, savedAt: 1, files: [] }));
  chmodSync(file, 0o644);
  // A temporary file left 0644 by a kill during a save would otherwise be renamed over the file.
  writeFileSync(`${file}.tmp`, '');
  chmodSync(`${file}.tmp`, 0o644);
  const old = process.umask(0o022);
  try {
    const positions = new Positions(file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(`${file}.tmp`).mode & 0o777, 0o600);
    rmSync(`${file}.tmp`);
    positions.set('1:2:h', {
      dev: 1,
      ino: 2,
      fp: { hash: 'h', len: 1 },
      offset: 10,
      size: 10,
      path: '/var/log/pods/a/b/0.log',
    });
    positions.save();
    assert.equal(statSync(file).mode & 0o777, 0o600);
  } finally {
    process.umask(old);
  }
});
