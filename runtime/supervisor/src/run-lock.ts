import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { isAlive, readStat, signalTree } from './internal/proc.js';

/** What the lock file records: the supervisor and the processes it started. */
export interface RunRecord {
  pid: number;
  startTicks: number;
  startedAt: string;
  /** Base URL of the supervisor's HTTP API (status, metrics). */
  apiUrl: string;
  /** Main process of each component: also the id of its process session. */
  processes: { name: string; pid: number; startTicks: number }[];
}

/** Thrown by {@link acquireRunLock} when another supervisor holds the lock. */
export class AlreadyRunningError extends Error {
  override readonly name = 'AlreadyRunningError';
  constructor(readonly record: RunRecord) {
    super(`Opsight is already running (supervisor pid ${record.pid}, started ${record.startedAt})`);
  }
}

/** Reads the lock file; undefined when it is absent or unreadable. */
export function readRunRecord(path: string): RunRecord | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as RunRecord;
  } catch {
    return undefined;
  }
}

/** True when the record's supervisor process is alive (and is the same process, not a reused pid). */
export function isRunning(record: RunRecord): boolean {
  return isAlive(record.pid, record.startTicks);
}

/**
 * Takes the run lock at `path` (created exclusively). A lock whose supervisor is dead is stale: the
 * processes it recorded that still run (same pid and start time) are killed with their sessions, the lock
 * is removed and taken again. `onStale` hears what was cleaned.
 */
export function acquireRunLock(
  path: string,
  apiUrl: string,
  onStale: (message: string) => void = () => {},
): RunLock {
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const record = readRunRecord(path);
      if (record && isRunning(record)) throw new AlreadyRunningError(record);
      const leftovers = (record?.processes ?? []).filter((p) => isAlive(p.pid, p.startTicks));
      for (const p of leftovers) signalTree(p.pid, 'SIGKILL');
      onStale(
        `removed a stale lock${record ? ` (supervisor pid ${record.pid} is gone)` : ' (unreadable)'}` +
          (leftovers.length
            ? `; killed ${leftovers.length} leftover process tree(s): ${leftovers.map((p) => p.name).join(', ')}`
            : ''),
      );
      rmSync(path, { force: true });
      continue;
    }
    const record: RunRecord = {
      pid: process.pid,
      startTicks: readStat(process.pid)?.startTicks ?? 0,
      startedAt: new Date().toISOString(),
      apiUrl,
      processes: [],
    };
    writeSync(fd, JSON.stringify(record));
    closeSync(fd);
    return new RunLock(path, record);
  }
  throw new Error(`cannot take the lock ${path}`);
}

/** A held run lock; {@link RunLock.update} records the running processes, {@link RunLock.release} frees it. */
export class RunLock {
  constructor(
    readonly path: string,
    private record: RunRecord,
  ) {}

  update(processes: RunRecord['processes']): void {
    this.record = { ...this.record, processes };
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.record));
    renameSync(tmp, this.path);
  }

  release(): void {
    const current = readRunRecord(this.path);
    if (current?.pid === this.record.pid) rmSync(this.path, { force: true });
  }
}
