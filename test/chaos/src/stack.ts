/**
 * The running local stack as the fault suite sees it: ports and paths from the cli's stack code (the same
 * environment variables: OPSIGHT_PORT_*, OPSIGHT_PORT_OFFSET, OPSIGHT_VAR_DIR), the supervisor's API from
 * the run record, and the component controls the faults use: SIGKILL or SIGSTOP of a component's process,
 * and stop/start through the supervisor (`POST /api/v1/components/<name>/stop|start`).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Ports, resolvePorts, type StackPaths, stackPaths } from '@opsight/cli';
import { type ComponentStatus, isRunning, readRunRecord } from '@opsight/supervisor';

/** Checkout root (test/chaos/dist/src/stack.js is four levels down). */
export const repoRoot = resolve(fileURLToPath(import.meta.url), '../../../../..');

/** Thrown when no stack runs for the given environment. */
export class StackNotRunningError extends Error {
  override readonly name = 'StackNotRunningError';
}

/** The running stack: where everything is and how to stop, start and kill its components. */
export class ChaosStack {
  readonly ports: Ports;
  readonly paths: StackPaths;
  readonly supervisorUrl: string;

  constructor(readonly env: NodeJS.ProcessEnv = process.env) {
    this.paths = stackPaths(repoRoot, env);
    this.ports = resolvePorts(env);
    const record = readRunRecord(this.paths.lockFile);
    if (!record || !isRunning(record)) {
      throw new StackNotRunningError(
        `no running stack (run record ${this.paths.lockFile}): start it with \`npm run up\` first`,
      );
    }
    this.supervisorUrl = record.apiUrl;
  }

  /** A secret of the stack (var/secrets/<name>). */
  secret(name: string): string {
    return readFileSync(join(this.paths.secrets, name), 'utf8').trim();
  }

  url(port: keyof Ports): string {
    return `http://127.0.0.1:${this.ports[port]}`;
  }

  async components(): Promise<ComponentStatus[]> {
    const res = await fetch(`${this.supervisorUrl}/api/v1/components`, { signal: AbortSignal.timeout(5000) });
    return ((await res.json()) as { components: ComponentStatus[] }).components;
  }

  async component(name: string): Promise<ComponentStatus> {
    const c = (await this.components()).find((x) => x.name === name);
    if (!c) throw new Error(`the stack has no component "${name}"`);
    return c;
  }

  /** Sends `signal` to the component's main process; returns the pid signalled. */
  async signal(name: string, signal: NodeJS.Signals): Promise<number> {
    const c = await this.component(name);
    if (c.pid === undefined || !c.ready) throw new Error(`component "${name}" is not running and ready`);
    process.kill(c.pid, signal);
    return c.pid;
  }

  /** Stops a component through the supervisor; it stays stopped until {@link ChaosStack.start}. */
  stop(name: string): Promise<ComponentStatus> {
    return this.control(name, 'stop');
  }

  start(name: string): Promise<ComponentStatus> {
    return this.control(name, 'start');
  }

  private async control(name: string, action: 'stop' | 'start'): Promise<ComponentStatus> {
    const res = await fetch(`${this.supervisorUrl}/api/v1/components/${name}/${action}`, {
      method: 'POST',
      signal: AbortSignal.timeout(60_000),
    });
    const body = (await res.json()) as {
      component?: ComponentStatus;
      error?: { code: string; message: string };
    };
    if (!res.ok || !body.component) {
      throw new Error(
        `${action} ${name}: HTTP ${res.status} ${body.error?.code ?? ''} ${body.error?.message ?? ''}`.trim() +
          (res.status === 404 && !body.error?.code?.startsWith('COMPONENT')
            ? ' (this supervisor has no stop/start API: restart the stack with this checkout)'
            : ''),
      );
    }
    return body.component;
  }

  /** Resolves once the component runs a process other than `notPid` and is ready; the seconds it took. */
  async waitReady(name: string, timeoutMs = 120_000, notPid?: number): Promise<number> {
    const started = Date.now();
    await until(`${name} ready`, timeoutMs, async () => {
      const c = await this.component(name);
      return c.ready && c.pid !== notPid;
    });
    return (Date.now() - started) / 1000;
  }

  /** Resolves once every service is ready (jobs: completed), as the stack was before a fault. */
  async waitAllReady(timeoutMs = 120_000): Promise<void> {
    await until('every component ready', timeoutMs, async () =>
      (await this.components()).every((c) => (c.kind === 'job' ? c.state === 'Completed' : c.ready)),
    );
  }
}

/** Polls `fn` every 200 ms until it returns true; rejects naming `what` after `timeoutMs`. */
export async function until(what: string, timeoutMs: number, fn: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await fn()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${last}` : ''}`);
    await sleep(200);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A name unique to one run of one fault, usable as a label value. */
export function runId(fault: string): string {
  return `${fault}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}
