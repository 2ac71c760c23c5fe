import { spawnSync } from 'node:child_process';

/** Thrown when promtool rejects a file; the message is promtool's own output. */
export class PromtoolError extends Error {
  override readonly name = 'PromtoolError';
  constructor(
    readonly args: readonly string[],
    readonly output: string,
  ) {
    super(`promtool ${args.join(' ')} failed:\n${output.trim()}`);
  }
}

/**
 * Runs promtool (Debian's /usr/bin/promtool unless `PROMTOOL` names another) and returns its output;
 * throws {@link PromtoolError} with promtool's message when it exits non-zero.
 */
export function promtool(args: readonly string[], cwd?: string): string {
  const bin = process.env.PROMTOOL ?? '/usr/bin/promtool';
  const r = spawnSync(bin, args, { encoding: 'utf8', cwd, timeout: 120_000 });
  if (r.error) throw new PromtoolError(args, `${bin}: ${r.error.message}`);
  const output = `${r.stdout}${r.stderr}`;
  if (r.status !== 0) throw new PromtoolError(args, output);
  return output;
}
