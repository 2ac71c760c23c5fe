import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { opsight } from '../src/env.js';

/** A throw-away stack environment: its own state directory and ports shifted by 12000. */
function faultEnv(extra: NodeJS.ProcessEnv = {}): { env: NodeJS.ProcessEnv; dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-faults-'));
  return {
    dir,
    env: {
      ...process.env,
      OPSIGHT_VAR_DIR: dir,
      OPSIGHT_PORT_OFFSET: '12000',
      OPSIGHT_FAST: '1',
      NO_COLOR: '1',
      ...extra,
    },
    done: () => rmSync(dir, { recursive: true, force: true }),
  };
}

test('a busy port: up names the port, the component, the owner and the variable, and starts nothing', async () => {
  const f = faultEnv();
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(9090 + 12000, '127.0.0.1', r));
  const r = opsight(['up'], f.env);
  blocker.close();
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /port 21090 \(prometheus web\) on 127\.0\.0\.1 is already in use by pid \d+/);
  assert.match(r.stderr, /OPSIGHT_PORT_PROMETHEUS=<free port>/);
  assert.match(r.stderr, /Nothing was started/);
  assert.equal(opsight(['status'], f.env).status, 3, 'no stack is left running');
  f.done();
});

test('a component that fails at start: up reports it with the last lines of its log and stops the rest', () => {
  // No PostgreSQL programs where they are looked for: initdb cannot run.
  const f = faultEnv({ OPSIGHT_PG_BIN: '/nonexistent/postgresql/bin' });
  const r = opsight(['up'], f.env);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /opsight: data\/postgres-primary is failing: init step "initdb" exited with/);
  assert.match(r.stdout, /--- last \d+ lines of .*initdb\/0\.log\n.*nonexistent\/postgresql\/bin\/initdb/s);
  assert.match(r.stdout, /opsight: stopped/);
  assert.equal(opsight(['status'], f.env).status, 3);
  f.done();
});

test('a stale lock after a crash is detected and cleaned, and what it recorded is killed', async () => {
  const f = faultEnv();
  mkdirSync(join(f.dir, 'run'), { recursive: true });
  const leftover = spawn('/bin/sh', ['-c', 'sleep 1000 & wait'], { detached: true, stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 100));
  const stat = readFileSync(`/proc/${leftover.pid}/stat`, 'latin1');
  const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  writeFileSync(
    join(f.dir, 'run', 'opsight.lock'),
    JSON.stringify({
      pid: 4194303,
      startTicks: 1,
      startedAt: '2026-01-01T00:00:00.000Z',
      apiUrl: 'http://127.0.0.1:1',
      processes: [{ name: 'redis', pid: leftover.pid, startTicks }],
    }),
  );
  assert.equal(opsight(['status'], f.env).status, 3, 'a dead supervisor is not running');
  const exited = new Promise((r) => leftover.on('exit', r));
  const r = opsight(['down'], f.env);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    /removed a stale lock \(supervisor pid 4194303 is gone\); killed 1 leftover process tree\(s\): redis/,
  );
  await exited;
  f.done();
});
