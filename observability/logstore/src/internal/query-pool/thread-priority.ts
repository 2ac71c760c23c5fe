// A query worker gives way to the store's main thread, which takes the pushes: on Linux, where each thread
// has its own nice value, the worker's thread is niced, so when the cores are all busy a push is served
// before a query's next slice. Elsewhere nothing changes.
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** How much lower a query worker's priority is than the process's (nice steps). */
export const QUERY_WORKER_NICE = 10;

/** The kernel id of the calling thread (Linux), or undefined where there is none to read. */
export function threadId(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Lowers the calling thread's priority by `steps` (at most to nice 19); returns its new nice value, or
 * undefined where a thread's priority cannot be set on its own.
 */
export function lowerThreadPriority(steps = QUERY_WORKER_NICE): number | undefined {
  const tid = threadId();
  if (tid === undefined || tid === process.pid) return undefined;
  try {
    const nice = Math.min(19, getPriority(tid) + steps);
    setPriority(tid, nice);
    return getPriority(tid);
  } catch {
    return undefined;
  }
}
