import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isAlive, readStat } from '../src/internal/proc.js';
import { AlreadyRunningError, acquireRunLock, readRunRecord } from '../src/run-lock.js';

function tempLock(): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-lock-'));
  return {
    path: join(dir, 'run', 'opsight.lock'),
    done: () => rmSync(dir, { recursive: true, force: true }),
  };
}

test('a second holder is refused while the first is alive; release frees the lock', () => {
  const f = tempLock();
  const lock = acquireRunLock(f.path, 'http://127.0.0.1:9100');
  assert.throws(
    () => acquireRunLock(f.path, 'http://127.0.0.1:9100'),
    (err: Error) => {
      assert.ok(err instanceof AlreadyRunningError);
      assert.equal(err.record.pid, process.pid);
      assert.match(err.message, /already running \(supervisor pid \d+/);
      return true;
    },
  );
  lock.release();
  assert.equal(existsSync(f.path), false);
  acquireRunLock(f.path, 'x').release();
  f.done();
});

test('a stale lock (dead supervisor) is cleaned: leftover process trees recorded in it are killed', async () => {
  const f = tempLock();
  // A leftover "component": its own session, as the supervisor starts them.
  const leftover = spawn('/bin/sh', ['-c', 'sleep 1000 & wait'], { detached: true, stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 100));
  const pid = leftover.pid!;
  const deadSupervisor = { pid: 2 ** 22 - 1, startTicks: 1, startedAt: '2026-01-01T00:00:00Z', apiUrl: 'x' };
  const processes = [{ name: 'postgres', pid, startTicks: readStat(pid)!.startTicks }];
  mkdirSync(join(f.path, '..'), { recursive: true });
  writeFileSync(f.path, JSON.stringify({ ...deadSupervisor, processes }));
  const notices: string[] = [];
  const lock = acquireRunLock(f.path, 'http://127.0.0.1:9100', (m) => notices.push(m));
  assert.equal(readRunRecord(f.path)?.pid, process.pid);
  assert.match(notices[0] ?? '', /stale lock .*killed 1 leftover process tree\(s\): postgres/);
  await new Promise((r) => leftover.on('exit', r));
  assert.equal(isAlive(pid), false);
  lock.release();
  f.done();
});

test('a lock whose pid was reused by another process is stale (start time differs)', () => {
  const f = tempLock();
  mkdirSync(join(f.path, '..'), { recursive: true });
  // Our own pid, but another start time: not the supervisor that wrote it.
  writeFileSync(
    f.path,
    JSON.stringify({ pid: process.pid, startTicks: 1, startedAt: 'x', apiUrl: 'x', processes: [] }),
  );
  const lock = acquireRunLock(f.path, 'y');
  assert.equal(readRunRecord(f.path)?.apiUrl, 'y');
  lock.release();
  f.done();
});

test('an unreadable lock file is treated as stale', () => {
  const f = tempLock();
  mkdirSync(join(f.path, '..'), { recursive: true });
  writeFileSync(f.path, '{not json');
  const notices: string[] = [];
  acquireRunLock(f.path, 'z', (m) => notices.push(m)).release();
  assert.match(notices[0] ?? '', /unreadable/);
  f.done();
});
