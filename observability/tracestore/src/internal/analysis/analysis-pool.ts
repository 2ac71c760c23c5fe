// Trace analyses (span tree, critical path, service calls) on a pool of worker threads, each reading on its
// own read-only connection (analysis-worker.ts), so that the analysis of a huge trace never holds up ingest
// or the other queries on the store's thread.
//
// - Each analysis has a deadline (`timeoutMs`, from when it is asked for): past it, a waiting analysis is
//   dropped and a running one is stopped with its thread (a fresh thread takes its place), and the answer is
//   504 ANALYSIS_TIMEOUT.
// - When the client goes away (its signal aborts), the analysis is dropped or stopped the same way
//   (499 ANALYSIS_CANCELLED, which no one reads).
// - A thread that crashes answers its analysis with 500 INTERNAL_ERROR and is replaced.
// Analyses wait in arrival order for a free thread; at most `maxQueued` wait, more are answered 503
// ANALYSIS_BUSY with Retry-After.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { TraceStoreError } from '../error-codes.js';
import type { AnalysisReply, AnalysisTask } from './analysis-worker.js';
import type { TraceAnalysis } from './trace-analysis.js';

export interface AnalysisPoolOptions {
  /** Threads analysing at once. @default min(4, max(1, availableParallelism() - 1)) */
  size?: number;
  /** Longest an analysis may take from when it is asked for, in milliseconds. @default 30000 */
  timeoutMs?: number;
  /** Most analyses waiting for a thread; beyond, 503 ANALYSIS_BUSY. @default 64 */
  maxQueued?: number;
  /** The threads' entry module. @default analysis-worker-main.js (tests pass their own) */
  workerUrl?: URL;
}

/** What the pool did so far (metrics and tests). */
export interface AnalysisPoolStats {
  completed: number;
  timedOut: number;
  cancelled: number;
  /** Threads that crashed (each replaced). */
  crashed: number;
  /** Threads started, the first ones included. */
  started: number;
}

type Request = Omit<AnalysisTask, 'id'>;

export interface AnalyzeOptions {
  /** Aborts when the client goes away: the analysis is dropped or stopped (ANALYSIS_CANCELLED). */
  signal?: AbortSignal;
  /** This analysis's deadline, in milliseconds from now. @default the pool's `timeoutMs` */
  timeoutMs?: number;
}

interface Job {
  task: AnalysisTask;
  resolve: (analysis: TraceAnalysis | null) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  signal: AbortSignal | undefined;
  onAbort: () => void;
  thread: Thread | null;
}

interface Thread {
  worker: Worker;
  job: Job | null;
  /** False once stopped or crashed: its events are ignored. */
  live: boolean;
}

export class AnalysisPool {
  private readonly size: number;
  private readonly timeoutMs: number;
  private readonly maxQueued: number;
  private readonly workerUrl: URL;
  private readonly threads = new Set<Thread>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  readonly stats: AnalysisPoolStats = { completed: 0, timedOut: 0, cancelled: 0, crashed: 0, started: 0 };

  constructor(options: AnalysisPoolOptions = {}) {
    this.size = options.size ?? Math.min(4, Math.max(1, availableParallelism() - 1));
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxQueued = options.maxQueued ?? 64;
    this.workerUrl = options.workerUrl ?? new URL('./analysis-worker-main.js', import.meta.url);
  }

  /**
   * Analyses a trace on a thread: null when the trace is not stored. Rejects with TraceStoreError
   * (ANALYSIS_TIMEOUT, ANALYSIS_CANCELLED, ANALYSIS_BUSY, INTERNAL_ERROR).
   */
  analyze(request: Request, options: AnalyzeOptions = {}): Promise<TraceAnalysis | null> {
    const { signal } = options;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    if (this.closed) return Promise.reject(new TraceStoreError('INTERNAL_ERROR', 'the store is closing'));
    if (signal?.aborted) return Promise.reject(cancelled());
    if (this.queue.length >= this.maxQueued && !this.idleThread()) {
      return Promise.reject(
        new TraceStoreError(
          'ANALYSIS_BUSY',
          `${this.queue.length} analyses are waiting; retry later`,
          undefined,
          1,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const job: Job = {
        task: { ...request, id: this.nextId++ },
        resolve,
        reject,
        timer: setTimeout(() => this.stop(job, timedOut(timeoutMs)), timeoutMs),
        signal,
        onAbort: () => this.stop(job, cancelled()),
        thread: null,
      };
      signal?.addEventListener('abort', job.onAbort, { once: true });
      this.queue.push(job);
      this.dispatch();
    });
  }

  private idleThread(): Thread | undefined {
    for (const thread of this.threads) if (!thread.job) return thread;
    return undefined;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let thread = this.idleThread();
      if (!thread) {
        if (this.threads.size >= this.size) return;
        thread = this.spawn();
      }
      const job = this.queue.shift()!;
      job.thread = thread;
      thread.job = job;
      thread.worker.postMessage(job.task);
    }
  }

  private spawn(): Thread {
    const thread: Thread = { worker: new Worker(this.workerUrl), job: null, live: true };
    this.stats.started++;
    thread.worker.unref();
    thread.worker.on('message', (reply: AnalysisReply) => {
      if (!thread.live) return;
      const job = thread.job;
      if (!job || job.task.id !== reply.id) return;
      thread.job = null;
      this.settle(job);
      if (reply.type === 'done') {
        this.stats.completed++;
        job.resolve(reply.analysis);
      } else {
        job.reject(new Error(`trace analysis failed: ${reply.message}`));
      }
      this.dispatch();
    });
    const crashed = (error: Error): void => {
      if (!thread.live) return;
      thread.live = false;
      this.threads.delete(thread);
      this.stats.crashed++;
      const job = thread.job;
      thread.job = null;
      if (job) {
        this.settle(job);
        // Not a TraceStoreError: answered 500 INTERNAL_ERROR, with the error in the log line.
        job.reject(new Error(`trace analysis thread crashed: ${error.message}`));
      }
      void thread.worker.terminate();
      this.dispatch();
    };
    thread.worker.on('error', crashed);
    thread.worker.on('exit', (code) => crashed(new Error(`exited with code ${code}`)));
    this.threads.add(thread);
    return thread;
  }

  /** Drops a waiting job, or stops its thread (a fresh one takes its place), and rejects it. */
  private stop(job: Job, error: TraceStoreError): void {
    const thread = job.thread;
    if (thread) {
      if (thread.job !== job) return;
      thread.live = false;
      thread.job = null;
      this.threads.delete(thread);
      void thread.worker.terminate();
    } else {
      const at = this.queue.indexOf(job);
      if (at < 0) return;
      this.queue.splice(at, 1);
    }
    this.settle(job);
    if (error.code === 'ANALYSIS_TIMEOUT') this.stats.timedOut++;
    else this.stats.cancelled++;
    job.reject(error);
    this.dispatch();
  }

  private settle(job: Job): void {
    clearTimeout(job.timer);
    job.signal?.removeEventListener('abort', job.onAbort);
  }

  /** Stops every thread; waiting and running analyses are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    const closing = new TraceStoreError('INTERNAL_ERROR', 'the store is closing');
    for (const job of this.queue.splice(0)) {
      this.settle(job);
      job.reject(closing);
    }
    const stopping: Promise<number>[] = [];
    for (const thread of this.threads) {
      thread.live = false;
      if (thread.job) {
        this.settle(thread.job);
        thread.job.reject(closing);
      }
      stopping.push(thread.worker.terminate());
    }
    this.threads.clear();
    await Promise.all(stopping);
  }
}

function timedOut(ms: number): TraceStoreError {
  return new TraceStoreError(
    'ANALYSIS_TIMEOUT',
    `the analysis ran past its deadline of ${ms} ms and was stopped`,
  );
}

function cancelled(): TraceStoreError {
  return new TraceStoreError('ANALYSIS_CANCELLED', 'the request was cancelled by the client');
}
