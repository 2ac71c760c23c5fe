import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { readCriLog } from '@opsight/supervisor';
import { stackPaths } from '../stack/paths.js';
import { findContainerLogs } from './log-tail.js';

/**
 * `opsight logs <component> [-f] [--tail N] [--previous]`: prints a component's log lines (CRI partial
 * lines joined) from the newest run, or the run before it with --previous; -f follows the file.
 */
export async function logs(options: {
  root: string;
  component: string;
  follow?: boolean;
  tail?: number;
  previous?: boolean;
}): Promise<number> {
  const paths = stackPaths(options.root);
  const files = findContainerLogs(paths.podLogs, options.component);
  const file = files[options.previous ? 1 : 0];
  if (!file) {
    process.stderr.write(
      `opsight: no ${options.previous ? 'previous ' : ''}logs for "${options.component}" under ${paths.podLogs}\n`,
    );
    return 1;
  }
  const pending = new Map<string, { time: string; parts: string[] }>();
  let offset = 0;
  let carry = '';
  const readNew = (first: boolean) => {
    if (!existsSync(file)) return;
    const size = statSync(file).size;
    if (size < offset) offset = 0; // truncated or rotated
    if (size === offset) return;
    const fd = openSync(file, 'r');
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    closeSync(fd);
    offset = size;
    const text = carry + buf.toString('utf8');
    const cut = text.lastIndexOf('\n') + 1;
    carry = text.slice(cut);
    let lines = readCriLog(text.slice(0, cut), pending).map((e) => e.line);
    if (first && options.tail !== undefined) lines = lines.slice(-options.tail);
    if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
  };
  readNew(true);
  if (!options.follow) return 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => readNew(false), 250);
    process.once('SIGINT', () => {
      clearInterval(timer);
      resolve();
    });
  });
  return 0;
}
