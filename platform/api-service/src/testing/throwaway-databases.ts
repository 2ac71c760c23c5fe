/**
 * Throw-away PostgreSQL and Redis servers for tests (`@opsight/api-service/testing`): each on a free
 * loopback port, its files in a temporary directory removed by `stop()`. As root, PostgreSQL runs as the
 * `postgres` user (it refuses root).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A database server started for one test file; `stop()` ends it and removes its files. */
export interface Throwaway {
  port: number;
  url: string;
  stop(): Promise<void>;
}

const PG_BIN = process.env.OPSIGHT_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const asRoot = process.getuid?.() === 0;

/** A free TCP port on 127.0.0.1 (PostgreSQL and Redis take no port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs a program as the `postgres` user when this process is root (PostgreSQL refuses root). */
function pgCommand(program: string, args: string[]): [string, string[]] {
  return asRoot
    ? ['/usr/bin/setpriv', ['--reuid', 'postgres', '--regid', 'postgres', '--init-groups', program, ...args]]
    : [program, args];
}

async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not listen on ${port}`);
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/** A PostgreSQL 15 server in a temporary directory (trust authentication, loopback only). */
export async function startPostgres(): Promise<Throwaway> {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-pg-'));
  const data = join(dir, 'data');
  if (asRoot) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    chownSync(dir, Number(ids.stdout.trim()), Number(gids.stdout.trim()));
  }
  const [initdb, initArgs] = pgCommand(join(PG_BIN, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  const init = spawnSync(initdb, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr}`);
  }
  const port = await freePort();
  const [postgres, args] = pgCommand(join(PG_BIN, 'postgres'), [
    '-D',
    data,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `port=${port}`,
    '-c',
    `unix_socket_directories=${dir}`,
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=50',
  ]);
  const child = spawn(postgres, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  try {
    await waitForPort(port, child, 'postgres');
    // Accepting TCP is not accepting queries yet: wait for the start-up to finish.
    const ready = join(PG_BIN, 'pg_isready');
    const deadline = Date.now() + 30_000;
    while (spawnSync(ready, ['-q', '-h', '127.0.0.1', '-p', String(port)]).status !== 0) {
      if (Date.now() > deadline) throw new Error('postgres did not become ready');
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (error) {
    await stopChild(child, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  return {
    port,
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      // SIGINT: fast shutdown (SIGTERM waits for clients).
      await stopChild(child, 'SIGINT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Redis server without persistence on a free port. */
export async function startRedis(options: { password?: string } = {}): Promise<Throwaway> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  if (options.password) args.push('--requirepass', options.password);
  const child = spawn('/usr/bin/redis-server', args, { stdio: 'ignore' });
  try {
    await waitForPort(port, child, 'redis-server');
  } catch (error) {
    await stopChild(child, 'SIGKILL');
    throw error;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: () => stopChild(child, 'SIGTERM'),
  };
}
