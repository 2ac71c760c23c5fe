import {
  AlreadyRunningError,
  ComponentFailingError,
  type ComponentStatus,
  PortInUseError,
  Supervisor,
} from '@opsight/supervisor';
import { renderComponents } from '../render/components.js';
import { styler } from '../render/style.js';
import { ensureLoadgenKey } from '../stack/components/loadgen.js';
import { stackContext } from '../stack/context.js';
import { localStack } from '../stack/local-stack.js';
import { DEFAULT_PORTS, type PortName, portVariable } from '../stack/ports.js';
import { ensureDefaultKey, stackKeyAdmin } from './keys.js';
import { lastLogLines } from './log-tail.js';

/** Options of {@link up}. */
export interface UpOptions {
  root: string;
  /**
   * Give up when the stack is not ready after this long.
   * @default 300000
   */
  readyTimeoutMs?: number;
}

/**
 * `opsight up`: starts the whole local stack under the supervisor, shows progress until every component
 * is ready, prints the components and URLs, then stays in the foreground until Ctrl-C (or SIGTERM from
 * `opsight down`), and stops everything cleanly. Resolves with the exit code.
 */
export async function up(options: UpOptions): Promise<number> {
  const out = process.stdout;
  const s = styler(out);
  const ctx = stackContext(options.root);
  const stack = localStack(ctx);
  const supervisor = new Supervisor({
    components: stack.components,
    logDir: ctx.paths.podLogs,
    lockFile: ctx.paths.lockFile,
    listen: { port: ctx.ports.supervisor },
    prepare: () => stack.prepare(),
  });
  const t0 = Date.now();
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s`;
  supervisor.on('notice', (m) => out.write(`opsight: ${m}\n`));
  let phase: 'starting' | 'running' | 'stopping' = 'starting';
  // On a terminal, a status line under the event lines shows how far startup is, redrawn in place.
  const live = Boolean(out.isTTY);
  let statusShown = false;
  const clearStatus = () => {
    if (statusShown) out.write('\u001b[1A\u001b[2K');
    statusShown = false;
  };
  const drawStatus = () => {
    if (!live || phase !== 'starting') return;
    const all = supervisor.status();
    const done = all.filter((c) => (c.kind === 'job' ? c.state === 'Completed' : c.ready));
    const waiting = all.filter((c) => !done.includes(c)).map((c) => c.name);
    // One terminal row at most, so that moving the cursor up one line erases all of it.
    const head = `${done.length}/${all.length} ready`;
    const room = Math.max(0, (out.columns ?? 80) - head.length - 1);
    const tail = waiting.length ? ` — waiting for ${waiting.join(', ')}`.slice(0, room) : '';
    out.write(`${s.bold(head)}${s.dim(tail)}\n`);
    statusShown = true;
  };
  supervisor.on('change', (c) => {
    if (phase === 'stopping') return;
    if (phase === 'starting' || c.state === 'BackOff' || c.state === 'Failed' || c.restarts > 0) {
      clearStatus();
      out.write(`${s.dim(elapsed())} ${describe(c, s)}\n`);
      drawStatus();
    }
  });

  out.write(
    `opsight: starting ${stack.components.length} components (supervisor pid ${process.pid}, API on 127.0.0.1:${ctx.ports.supervisor})\n`,
  );
  try {
    await supervisor.start();
  } catch (err) {
    return startError(err, s);
  }

  let stopping: Promise<void> | undefined;
  const stop = (why: string) => {
    if (stopping) {
      out.write('opsight: stopping already; a second signal forces exit\n');
      process.exit(130);
    }
    phase = 'stopping';
    out.write(`opsight: ${why}; stopping every component…\n`);
    stopping = supervisor.stop();
    return stopping;
  };
  const signals = new Promise<void>((resolve) => {
    process.once('SIGINT', () => stop('interrupted').then(resolve));
    process.once('SIGTERM', () => stop('terminated').then(resolve));
  });

  try {
    await Promise.race([supervisor.waitUntilReady(options.readyTimeoutMs ?? 300_000), signals]);
  } catch (err) {
    if (err instanceof ComponentFailingError) reportFailing(ctx.paths.podLogs, err.component, s);
    else out.write(`${s.red('opsight: error:')} ${(err as Error).message}\n`);
    out.write(`${renderComponents(supervisor.status(), out)}\n`);
    await stop('startup failed');
    out.write('opsight: stopped\n');
    return 1;
  }
  if (stopping) {
    await stopping;
    out.write('opsight: stopped\n');
    return 0;
  }

  clearStatus();
  phase = 'running';
  out.write(`\n${renderComponents(supervisor.status(), out)}\n\n`);
  const width = Math.max(...stack.endpoints.map((e) => e.name.length));
  for (const e of stack.endpoints) out.write(`  ${e.name.padEnd(width)}  ${e.url}\n`);
  try {
    const admin = stackKeyAdmin(options.root);
    const key = await ensureDefaultKey(admin);
    out.write(
      key
        ? `\n  API key (user "default", shown once): ${key}\n`
        : '\n  API keys: `opsight keys list`, `opsight keys create --user <id>`\n',
    );
    await ensureLoadgenKey(ctx, admin);
  } catch (err) {
    out.write(`opsight: could not check the API keys: ${(err as Error).message}\n`);
  }
  out.write(
    `\n${s.green('opsight: ready')} in ${((Date.now() - t0) / 1000).toFixed(1)} s. Ctrl-C stops everything; so does \`npm run down\`.\n`,
  );
  supervisor.on('failing', (c) => reportFailing(ctx.paths.podLogs, c, s));
  await signals;
  out.write('opsight: stopped\n');
  return 0;
}

function describe(c: ComponentStatus, s: ReturnType<typeof styler>): string {
  const name = `${c.namespace}/${c.name}`.padEnd(28);
  const ok = c.kind === 'job' ? c.state === 'Completed' : c.ready;
  const state = ok ? s.green(`${c.state}${c.kind === 'service' ? ' (ready)' : ''}`) : c.state;
  return `${name} ${state}${c.message ? s.dim(`  ${c.message}`) : ''}`;
}

function reportFailing(podLogs: string, c: ComponentStatus, s: ReturnType<typeof styler>): void {
  const out = process.stdout;
  out.write(
    `\n${s.red(`opsight: ${c.namespace}/${c.name} is failing`)}: ${c.message} (restarts: ${c.restarts})\n`,
  );
  for (const { file, lines } of lastLogLines(podLogs, c, 20)) {
    out.write(`--- last ${lines.length} lines of ${file}\n${lines.join('\n')}\n---\n`);
  }
}

function startError(err: unknown, s: ReturnType<typeof styler>): number {
  const out = process.stderr;
  if (err instanceof AlreadyRunningError) {
    out.write(
      `opsight: ${err.message}.\n` +
        '  `npm run status` (or `npx opsight status`) shows it; `npm run down` stops it. Nothing was changed.\n',
    );
    return 1;
  }
  if (err instanceof PortInUseError) {
    const name = portNameOf(err.component);
    const hint = name
      ? `set ${portVariable(name)}=<free port> (or OPSIGHT_PORT_OFFSET=<n> to shift every port)`
      : 'set OPSIGHT_PORT_OFFSET=<n> to shift every port';
    out.write(
      `${s.red('opsight: error:')} ${err.message}.\n  Stop that process, or ${hint}, and run \`npm run up\` again. Nothing was started.\n`,
    );
    return 1;
  }
  out.write(`${s.red('opsight: error:')} ${(err as Error).message}\n`);
  return 1;
}

/** The port table's name for a component's port, when there is one to suggest. */
function portNameOf(component: string): PortName | undefined {
  const camel = component.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  return camel in DEFAULT_PORTS ? (camel as PortName) : undefined;
}
