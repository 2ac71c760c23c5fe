import { readdirSync, readFileSync } from 'node:fs';

/** One process as /proc/<pid>/stat describes it. */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  session: number;
  /** user + system CPU time of the process and of its reaped children, in clock ticks. */
  cpuTicks: number;
  /** Start time after boot, in clock ticks: with the pid, identifies a process across pid reuse. */
  startTicks: number;
}

/** Clock ticks per second (USER_HZ); 100 on every mainstream Linux architecture. */
export const CLOCK_TICKS = 100;

/** Reads /proc/<pid>/stat; undefined when the process is gone. */
export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(')');
  const f = text.slice(close + 2).split(' ');
  const n = (i: number) => Number(f[i - 3]);
  return {
    pid,
    comm: text.slice(text.indexOf('(') + 1, close),
    state: f[0] ?? '?',
    ppid: n(4),
    session: n(6),
    cpuTicks: n(14) + n(15) + n(16) + n(17),
    startTicks: n(22),
  };
}

/** Every process on the machine (those that vanish while being read are left out). */
export function listProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (stat) out.push(stat);
  }
  return out;
}

/** Live (non-zombie) members of a session. */
export function sessionMembers(session: number, all: ProcStat[] = listProcesses()): ProcStat[] {
  return all.filter((p) => p.session === session && p.state !== 'Z');
}

/**
 * Live processes of a component: its main process `root`, every member of the session it leads, and all
 * their descendants. Descendants matter because some programs start a session per child (PostgreSQL's
 * backends call setsid), so the session alone misses them.
 */
export function processTree(root: number, all: ProcStat[] = listProcesses()): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const p of all) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const out = new Map<number, ProcStat>();
  const seen = new Set<number>();
  const queue = all.filter((p) => p.pid === root || p.session === root);
  while (queue.length > 0) {
    const p = queue.pop()!;
    if (seen.has(p.pid)) continue;
    seen.add(p.pid);
    if (p.state !== 'Z') out.set(p.pid, p);
    queue.push(...(children.get(p.pid) ?? []));
  }
  return [...out.values()];
}

/**
 * Memory a process tree really uses: the anonymous pages of every member plus the largest shared-memory
 * segment mapped by any of them (a tree of PostgreSQL backends shares one buffer pool, which must not be
 * counted once per backend). File-backed pages (program text, page cache) are left out, as a working set
 * leaves out what the kernel can drop. Read from /proc/<pid>/status, which costs microseconds per process;
 * smaps_rollup's proportional set size walks every mapping and cost ~1 ms per process, every second.
 * Falls back to the resident set size where the split is not reported. Bytes; 0 when all are gone.
 */
export function treeMemoryBytes(pids: readonly number[]): number {
  let anon = 0;
  let shmem = 0;
  for (const pid of pids) {
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, 'latin1');
    } catch {
      continue;
    }
    const a = /^RssAnon:\s+(\d+) kB/m.exec(status);
    const sh = /^RssShmem:\s+(\d+) kB/m.exec(status);
    if (a && sh) {
      anon += Number(a[1]) * 1024;
      shmem = Math.max(shmem, Number(sh[1]) * 1024);
    } else {
      const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
      if (rss) anon += Number(rss[1]) * 1024;
    }
  }
  return anon + shmem;
}

/** True while the process exists and, when `startTicks` is given, is the same process (no pid reuse). */
export function isAlive(pid: number, startTicks?: number): boolean {
  const stat = readStat(pid);
  if (!stat || stat.state === 'Z') return false;
  return startTicks === undefined || stat.startTicks === startTicks;
}

/** Sends a signal to every process of {@link processTree}; returns how many were signalled. */
export function signalTree(root: number, signal: NodeJS.Signals, extra: ProcStat[] = []): number {
  let n = 0;
  const all = listProcesses();
  const targets = new Map(processTree(root, all).map((p) => [p.pid, p]));
  // Processes seen earlier in the tree that have since been re-parented away, if still the same process.
  for (const p of extra) if (isAlive(p.pid, p.startTicks)) targets.set(p.pid, p);
  for (const p of targets.values()) {
    try {
      process.kill(p.pid, signal);
      n++;
    } catch {
      // already gone
    }
  }
  return n;
}
