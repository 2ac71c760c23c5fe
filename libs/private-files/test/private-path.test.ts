import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  ensurePrivateDatabase,
  ensurePrivateDir,
  ensurePrivateFile,
  type ModeFix,
  modeFixLine,
} from '../src/index.js';

const mode = (p: string) => statSync(p).mode & 0o777;

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-private-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an existing world-readable directory and file are made private, with one report each', () => {
  withDir((root) => {
    const dir = join(root, 'data');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const file = join(dir, 'secret');
    writeFileSync(file, 'x\n', { mode: 0o644 });
    chmodSync(file, 0o644);
    const fixes: ModeFix[] = [];
    ensurePrivateDir(dir, { onFix: (f) => fixes.push(f) });
    ensurePrivateFile(file, { onFix: (f) => fixes.push(f) });
    assert.equal(mode(dir), 0o700);
    assert.equal(mode(file), 0o600);
    assert.deepEqual(fixes, [
      { path: dir, from: 0o755, to: 0o700 },
      { path: file, from: 0o644, to: 0o600 },
    ]);
    // Already private: nothing to report the second time.
    ensurePrivateDir(dir, { onFix: (f) => fixes.push(f) });
    ensurePrivateFile(file, { onFix: (f) => fixes.push(f) });
    assert.equal(fixes.length, 2);
  });
});

test('a missing directory is created 0700 even under a permissive umask; parents keep their mode', () => {
  withDir((root) => {
    const old = process.umask(0);
    try {
      const dir = join(root, 'a', 'b');
      ensurePrivateDir(dir, { onFix: () => assert.fail('a new directory is not a fix') });
      assert.equal(mode(dir), 0o700);
      assert.equal(mode(join(root, 'a')), 0o777);
    } finally {
      process.umask(old);
    }
  });
});

test('a missing file is left missing unless asked to create it, then it is born 0600', () => {
  withDir((root) => {
    const file = join(root, 'f');
    assert.equal(ensurePrivateFile(file), undefined);
    assert.equal(existsSync(file), false);
    const old = process.umask(0);
    try {
      ensurePrivateFile(file, { create: true, onFix: () => assert.fail('created with the wrong mode') });
    } finally {
      process.umask(old);
    }
    assert.equal(mode(file), 0o600);
  });
});

test('a database and its -wal and -shm companions are made private', () => {
  withDir((root) => {
    const db = join(root, 'logs.db');
    for (const f of [db, `${db}-wal`, `${db}-shm`]) {
      writeFileSync(f, '');
      chmodSync(f, 0o644);
    }
    const fixes = ensurePrivateDatabase(db, { onFix: () => {} });
    assert.deepEqual(
      fixes.map((f) => f.path),
      [db, `${db}-wal`, `${db}-shm`],
    );
    for (const f of [db, `${db}-wal`, `${db}-shm`]) assert.equal(mode(f), 0o600, f);
    assert.equal(existsSync(`${db}-journal`), false);
  });
});

test('the default report is a JSON log line naming the path and both modes', () => {
  const line = JSON.parse(modeFixLine({ path: '/x/y.db', from: 0o644, to: 0o600 }, 'logstore'));
  assert.equal(line.level, 'WARN');
  assert.equal(line.service, 'logstore');
  assert.equal(line.path, '/x/y.db');
  assert.equal(line.mode_before, '0644');
  assert.equal(line.mode_after, '0600');
  assert.match(line.message, /\/x\/y\.db was 0644, set to 0600/);
});
