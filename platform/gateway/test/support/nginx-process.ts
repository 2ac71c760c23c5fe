// A real nginx started from the rendered template, in a temporary directory, for tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localNginxOptions, type NginxConfigOptions, renderNginxConfig } from '../../src/render-config.js';

export const NGINX = process.env.OPSIGHT_NGINX ?? '/usr/sbin/nginx';

export interface RunningNginx {
  port: number;
  dir: string;
  accessLog: string;
  stop(): Promise<void>;
}

/** A port that was free a moment ago (nginx needs a number in its configuration). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Runs `nginx -t` on a configuration file; resolves to its exit code and output. */
export function nginxTest(dir: string, conf: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(NGINX, ['-t', '-p', dir, '-e', 'stderr', '-c', conf]);
    let output = '';
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Starts nginx in front of `upstreamPort`; stop() ends it and removes its directory. */
export async function startNginx(
  upstreamPort: number,
  overrides: Partial<NginxConfigOptions> = {},
): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'opsight-nginx-'));
  for (const sub of ['run', 'log/nginx', 'data/nginx/tmp']) mkdirSync(join(dir, sub), { recursive: true });
  const port = await freePort();
  const options = { ...localNginxOptions({ varDir: dir, port, upstreamPort }), ...overrides };
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, renderNginxConfig(options));
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-e', 'stderr', '-c', conf], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {}
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    dir,
    accessLog: options.accessLog,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
