import { type ComponentStatus, isRunning, readRunRecord } from '@opsight/supervisor';
import { renderComponents } from '../render/components.js';
import { stackPaths } from '../stack/paths.js';

/**
 * `opsight status`: the component table of the running stack. Exit code 0 when every service is ready and
 * every job completed, 1 when something is not, 3 when no stack is running. `--json` prints the raw list.
 */
export async function status(options: { root: string; json?: boolean }): Promise<number> {
  const paths = stackPaths(options.root);
  const record = readRunRecord(paths.lockFile);
  if (!record || !isRunning(record)) {
    process.stderr.write('opsight: not running (start it with `npm run up`)\n');
    return 3;
  }
  let components: ComponentStatus[];
  try {
    const res = await fetch(`${record.apiUrl}/api/v1/components`, { signal: AbortSignal.timeout(5000) });
    components = ((await res.json()) as { components: ComponentStatus[] }).components;
  } catch (err) {
    process.stderr.write(
      `opsight: the supervisor (pid ${record.pid}) does not answer on ${record.apiUrl}: ${(err as Error).message}\n`,
    );
    return 1;
  }
  const notReady = components.filter((c) => (c.kind === 'job' ? c.state !== 'Completed' : !c.ready));
  if (options.json) process.stdout.write(`${JSON.stringify({ components }, null, 2)}\n`);
  else {
    process.stdout.write(`${renderComponents(components)}\n`);
    process.stdout.write(
      notReady.length === 0
        ? `\nall ${components.length} components ready (supervisor pid ${record.pid}, since ${record.startedAt})\n`
        : `\nnot ready: ${notReady.map((c) => c.name).join(', ')}\n`,
    );
  }
  return notReady.length === 0 ? 0 : 1;
}
