/**
 * A fake pod in the stack's pods directory, written the way the supervisor (like the kubelet) writes a
 * container's log: `<pods>/<namespace>_<pod>_<uid>/<container>/0.log` in CRI format, with labels.json
 * beside it. The collector ships it like any pod's log; no real component is touched.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { criLineHead } from '@opsight/contracts/codecs';
import { lineText, lineTs } from './logs.js';

export const FAKE_NAMESPACE = 'chaos';

/** The kubelet's rotated-file suffix: `0.log.20260102-150405`. */
export function rotationSuffix(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

export class FakePod {
  readonly dir: string;
  readonly pod: string;

  constructor(podsDir: string, pod: string) {
    this.pod = pod;
    const uid = randomUUID();
    this.dir = join(podsDir, `${FAKE_NAMESPACE}_${pod}_${uid}`);
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(
      join(this.dir, 'labels.json'),
      `${JSON.stringify({ namespace: FAKE_NAMESPACE, pod, uid, app: pod, container: 'app', labels: { app: pod } })}\n`,
    );
  }

  /** Path of a container's current log file. */
  logPath(container: string): string {
    return join(this.dir, container, '0.log');
  }

  /** LogQL selector of one container's stream. */
  selector(container: string): string {
    return `{namespace="${FAKE_NAMESPACE}", pod="${this.pod}", container="${container}"}`;
  }

  /** Appends numbered lines (one write, as a process's output arrives). */
  write(container: string, run: string, baseNs: bigint, numbers: readonly number[]): void {
    mkdirSync(join(this.dir, container), { recursive: true });
    const text = numbers
      .map((n) => `${criLineHead(lineTs(baseNs, n), 'stdout', false)}${lineText(run, n)}\n`)
      .join('');
    appendFileSync(this.logPath(container), text);
  }

  /** Appends one numbered line stamped `tsNs` (a process's output is stamped when it is written). */
  writeStamped(container: string, run: string, n: number, tsNs: bigint): void {
    mkdirSync(join(this.dir, container), { recursive: true });
    appendFileSync(this.logPath(container), `${criLineHead(tsNs, 'stdout', false)}${lineText(run, n)}\n`);
  }

  /** Rotates as the kubelet does: renames 0.log to 0.log.<timestamp>; the next write starts a new 0.log. */
  rotate(container: string): string {
    const rotated = `${this.logPath(container)}.${rotationSuffix()}`;
    renameSync(this.logPath(container), rotated);
    return rotated;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
