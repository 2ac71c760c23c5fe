// A pool of worker threads that run LogQL queries off the store's main thread, each over its own
// read-only connection to the database (WAL lets readers run beside the writer), so a heavy query never
// holds up a push, and queries use more than one core.
//
// - Workers start on demand, up to `size`; a query waits in order for a free one (never past its
//   deadline, and leaving when its client goes away).
// - A running query is stopped through a shared flag its engine reads (shared-abort.ts) when its client
//   goes away, and by its own deadline check; a worker that has not answered `graceMs` later is
//   terminated, the query answered 499 or 504 as the engine would, and the next query gets a new worker.
// - A worker that dies answers its query with an error (500) and is replaced the same way; the store
//   carries on.
import { Worker } from 'node:worker_threads';
import type { SqliteDriverName } from '@opsight/sqlite';
import { cancelled } from '../api/query-gate.js';
import type { Limits } from '../limits.js';
import { QueryError, type QueryParams } from '../logql/engine.js';
import type { StreamBounds } from '../storage/log-storage.js';
import type { QueryReply, QueryRequest, WorkerSetup } from './messages.js';
import { type CancelFlag, newCancelFlag, requestCancel } from './shared-abort.js';
import type { QueryResult } from './snapshot-queries.js';
import { fromWire } from './wire-error.js';

/** Options of {@link QueryPool}. */
export interface QueryPoolOptions {
  /** Directory of the store's database (a file database: workers open it read-only). */
  dataDir: string;
  /** The SQLite driver of the database. @default DEFAULT_SQLITE_DRIVER of @opsight/sqlite */
  driver?: SqliteDriverName;
  /** Most workers, hence most queries running at once. At least 1. */
  size: number;
  /**
   * How long a worker may take to stop a query after its deadline or its client's abort before it is
   * terminated and replaced, ms. @default 2000
   */
  graceMs?: number;
  /** The worker's module. @default the store's query worker (query-worker.js beside this module) */
  workerFile?: URL;
}

/** How the pool stops a query that ends early. */
export interface QueryStop {
  /** When the query must have finished, ms since the epoch. */
  deadline: number;
  /** Aborted when the client goes away. */
  signal?: AbortSignal;
}

interface Job {
  request: QueryRequest;
  stop: QueryStop;
  limits: Limits;
  resolve(result: QueryResult): void;
  reject(error: Error): void;
  /** Takes a waiting job off the queue, with its timer and listener. */
  leave?: () => void;
}

interface Slot {
  worker: Worker;
  cancel: CancelFlag;
  job?: Job;
  /** Ends the job's timers and listeners. */
  release?: () => void;
}

/** Ids of queries, shared by every pool of the process; positive int32 (what the cancel flag holds). */
let lastId = 0;
function nextId(): number {
  lastId = lastId >= 0x7fffffff ? 1 : lastId + 1;
  return lastId;
}

export class QueryPool {
  readonly size: number;
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private readonly graceMs: number;
  private readonly workerFile: URL;
  private closed = false;
  /** Workers replaced after they died or did not stop in time. */
  replaced = 0;

  constructor(private readonly options: QueryPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1)
      throw new RangeError(`a query pool needs at least one worker (size ${options.size})`);
    this.size = options.size;
    this.graceMs = options.graceMs ?? 2000;
    this.workerFile = options.workerFile ?? new URL('./query-worker.js', import.meta.url);
  }

  /** Queries running in workers now. */
  running(): number {
    let n = 0;
    for (const s of this.slots) if (s.job) n++;
    return n;
  }

  /** Queries waiting for a free worker. */
  waiting(): number {
    return this.queue.length;
  }

  /** Workers started (idle or busy). */
  workers(): number {
    return this.slots.size;
  }

  /**
   * Runs a query of `tenant` in a worker, with the tenant's `limits` and the writer's stream `bounds`;
   * stops it at `stop.deadline` (QUERY_TIMEOUT) or when `stop.signal` aborts (QUERY_CANCELLED).
   */
  run(
    tenant: string,
    params: Omit<QueryParams, 'signal' | 'deadline'>,
    limits: Limits,
    stop: QueryStop,
    bounds?: StreamBounds,
  ): Promise<QueryResult> {
    if (this.closed) return Promise.reject(new Error('the query pool is closed'));
    if (stop.signal?.aborted) return Promise.reject(cancelled());
    return new Promise<QueryResult>((resolve, reject) => {
      const request: QueryRequest = {
        id: nextId(),
        tenant,
        params: { ...params, deadline: stop.deadline },
        limits,
        ...(bounds ? { bounds } : {}),
      };
      const job: Job = { request, stop, limits, resolve, reject };
      const slot = this.freeSlot();
      if (slot) this.start(slot, job);
      else this.enqueue(job);
    });
  }

  /** Starts every worker now, so that no query waits for one to start. */
  warm(): void {
    while (!this.closed && this.slots.size < this.size) this.spawn();
  }

  /** Terminates every worker; queries running or waiting fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of [...this.queue]) {
      job.leave?.();
      job.reject(new Error('the query pool is closed'));
    }
    const slots = [...this.slots];
    this.slots.clear();
    for (const s of slots) {
      s.release?.();
      s.job?.reject(new Error('the query pool is closed'));
      s.job = undefined;
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  /** An idle worker, or a new one while the pool is below its size. */
  private freeSlot(): Slot | undefined {
    for (const s of this.slots) if (!s.job) return s;
    if (this.slots.size < this.size) return this.spawn();
    return undefined;
  }

  private spawn(): Slot {
    const cancel = newCancelFlag();
    const setup: WorkerSetup = {
      dataDir: this.options.dataDir,
      cancel,
      ...(this.options.driver ? { driver: this.options.driver } : {}),
    };
    const worker = new Worker(this.workerFile, { workerData: setup });
    const slot: Slot = { worker, cancel };
    worker.on('message', (reply: QueryReply) => this.answer(slot, reply));
    // An uncaught error ends the worker: 'exit' follows and answers its query.
    worker.on('error', (e) => this.lose(slot, e));
    worker.on('exit', (code) => this.lose(slot, new Error(`query worker exited with code ${code}`)));
    worker.unref();
    this.slots.add(slot);
    return slot;
  }

  /** Waits in the queue until a worker is free, the deadline passes or the client goes away. */
  private enqueue(job: Job): void {
    const { stop } = job;
    const leave = () => {
      clearTimeout(timer);
      stop.signal?.removeEventListener('abort', onAbort);
      const i = this.queue.indexOf(job);
      if (i >= 0) this.queue.splice(i, 1);
    };
    const onAbort = () => {
      leave();
      job.reject(cancelled());
    };
    const timer = setTimeout(
      () => {
        leave();
        job.reject(timedOut(job.limits));
      },
      Math.max(0, stop.deadline - Date.now()),
    );
    stop.signal?.addEventListener('abort', onAbort, { once: true });
    job.leave = leave;
    this.queue.push(job);
  }

  private start(slot: Slot, job: Job): void {
    slot.job = job;
    slot.worker.ref();
    const { stop, request } = job;
    let graceTimer: NodeJS.Timeout | undefined;
    // Past the grace period the worker is given up: terminated, and the query answered as stopped.
    const giveUp = (error: Error) => {
      if (graceTimer) return;
      graceTimer = setTimeout(() => {
        if (slot.job !== job) return;
        this.replace(slot);
        job.reject(error);
      }, this.graceMs);
    };
    const onAbort = () => {
      requestCancel(slot.cancel, request.id);
      giveUp(cancelled());
    };
    const deadlineTimer = setTimeout(
      () => giveUp(timedOut(job.limits)),
      Math.max(0, stop.deadline - Date.now()),
    );
    stop.signal?.addEventListener('abort', onAbort, { once: true });
    slot.release = () => {
      clearTimeout(deadlineTimer);
      clearTimeout(graceTimer);
      stop.signal?.removeEventListener('abort', onAbort);
    };
    // The bounds are the query's own copy: moved, not copied.
    slot.worker.postMessage(request, request.bounds ? [request.bounds.buffer as ArrayBuffer] : []);
  }

  private answer(slot: Slot, reply: QueryReply): void {
    const job = slot.job;
    if (!job || job.request.id !== reply.id) return;
    this.finish(slot);
    if (reply.ok) job.resolve(reply.result);
    else job.reject(fromWire(reply.error));
    this.next();
  }

  /** A worker that errored or exited: its query fails, and it leaves the pool. */
  private lose(slot: Slot, error: Error): void {
    if (!this.slots.delete(slot)) return;
    const job = slot.job;
    this.finish(slot);
    this.replaced++;
    job?.reject(error);
    this.next();
  }

  /** Terminates a worker that did not stop in time; the next query starts a new one. */
  private replace(slot: Slot): void {
    this.slots.delete(slot);
    this.finish(slot);
    this.replaced++;
    void slot.worker.terminate();
    this.next();
  }

  private finish(slot: Slot): void {
    slot.release?.();
    slot.release = undefined;
    slot.job = undefined;
    slot.worker.unref();
  }

  /** Starts the next waiting query on a free worker. */
  private next(): void {
    if (this.closed) return;
    while (this.queue.length > 0) {
      const slot = this.freeSlot();
      if (!slot) return;
      const job = this.queue.shift()!;
      job.leave?.();
      this.start(slot, job);
    }
  }
}

/** The engine's answer to a query past its deadline. */
function timedOut(limits: Limits): QueryError {
  return new QueryError(
    504,
    'QUERY_TIMEOUT',
    `query timed out after ${limits.query_timeout_ms}ms (query_timeout)`,
  );
}
