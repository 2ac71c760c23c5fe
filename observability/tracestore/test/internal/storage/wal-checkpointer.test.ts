// The WAL checkpointed on its own thread: the WAL stays bounded while the writer's automatic checkpoints are
// off, every acknowledged write survives SIGKILL while the thread copies, and a failed thread hands the
// checkpoints back to the writer.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '@opsight/sqlite';
import { SpanStore } from '../../../src/internal/storage/span-store.js';
import { WalCheckpointer } from '../../../src/internal/storage/wal-checkpointer.js';
import { tempDir } from '../../support/temp-dir.js';

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function walBytes(file: string): number {
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
}

describe('WalCheckpointer', () => {
  it('keeps the WAL bounded with the writer’s automatic checkpoints off', async (t) => {
    const file = join(tempDir(t), 'wal.db');
    const db = openDatabase(file);
    db.pragma('journal_mode = WAL');
    db.pragma('journal_size_limit = 1048576');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB NOT NULL)');
    const checkpointer = new WalCheckpointer(db, {
      file,
      driver: db.driver,
      synchronous: 'FULL',
      everySpans: 100,
      restartPages: 50,
    });
    t.after(() => {
      checkpointer.close();
      db.close();
    });
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0);
    const insert = db.prepare('INSERT INTO t (data) VALUES (?)');
    const row = Buffer.alloc(4000, 7);
    // At least 40 MB written in 100-row commits: without checkpoints the WAL would hold all of it.
    let commits = 0;
    while (commits < 100 || checkpointer.stats.checkpoints < 3) {
      db.transaction(() => {
        for (let i = 0; i < 100; i++) insert.run(row);
      })();
      checkpointer.committed(100);
      commits++;
      await new Promise((resolve) => setTimeout(resolve, 1));
      assert.ok(commits < 5000, 'the thread checkpoints');
    }
    // One more commit after the last checkpoint starts the WAL over and truncates it to the limit.
    await until(() => {
      db.transaction(() => insert.run(row))();
      checkpointer.committed(1);
      return walBytes(file) <= 1048576;
    }, 'the WAL to be reset');
    assert.equal(checkpointer.stats.failures, 0);
    assert.ok(checkpointer.stats.restarts >= 1, 'the writer restarted the WAL after a checkpoint');
    assert.ok((db.prepare('SELECT count(*) FROM t', { rows: 'first' }).get() as number) > 10_000);
  });

  it('turns the writer’s automatic checkpoints back on when its thread dies', async (t) => {
    const file = join(tempDir(t), 'wal.db');
    const db = openDatabase(file);
    db.pragma('journal_mode = WAL');
    const logged: Record<string, unknown>[] = [];
    const checkpointer = new WalCheckpointer(db, {
      file,
      driver: db.driver,
      synchronous: 'FULL',
      logError: (fields) => logged.push(fields),
    });
    t.after(() => {
      checkpointer.close();
      db.close();
    });
    await (checkpointer as unknown as { worker: { terminate: () => Promise<number> } }).worker.terminate();
    await until(() => logged.length > 0, 'the failure to be logged');
    assert.equal(logged[0]!.code, 'CHECKPOINT_FAILED');
    assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 10_000);
  });

  it('keeps every acknowledged trace when the process is killed with SIGKILL while checkpointing', async (t) => {
    const dataDir = tempDir(t);
    const writer = fileURLToPath(new URL('../../support/checkpointing-writer.js', import.meta.url));
    const child = spawn(process.execPath, [writer, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const acknowledged: string[] = [];
    let checkpoints = 0;
    let rest = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('checkpoints ')) checkpoints = Number(line.slice(12));
        else acknowledged.push(line);
      }
    });
    await until(() => checkpoints >= 5 && acknowledged.length >= 200, 'five checkpoints');
    child.kill('SIGKILL');
    await exited;
    assert.equal(child.signalCode, 'SIGKILL');

    const store = new SpanStore({ dataDir, checkpoints: 'inline' });
    t.after(() => store.close());
    for (const traceId of acknowledged) {
      assert.equal(store.getTrace(Buffer.from(traceId, 'hex'))?.spans.length, 50, `trace ${traceId}`);
    }
    const counts = store.db
      .prepare('SELECT count(*) FROM spans GROUP BY trace_id', { rows: 'first' })
      .all() as number[];
    assert.ok(
      counts.every((n) => n === 50),
      'no trace is half stored',
    );
    assert.equal(store.db.pragma('integrity_check', { simple: true }), 'ok');
  });
});
