// Checkpoints of a span store's WAL on their own thread and connection. With SQLite's automatic checkpoints
// the commit that crosses the threshold copies the whole WAL back into the database file and fsyncs it, on
// the ingest thread, while every request of the group waits. Here the writer's automatic checkpoints are off
// and, every `everySpans` spans committed, a worker thread runs a PASSIVE checkpoint on its own connection
// (checkpoint-worker.ts) while ingest goes on.
//
// Durability is SQLite's: a commit is durable once in the WAL (fsynced at each commit with synchronous=FULL);
// a checkpoint only copies committed pages and fsyncs the database file before the WAL is reused, on whatever
// connection it runs. Bound: the WAL starts over at the first commit after a checkpoint copied all of it,
// which steady ingest rarely leaves time for (commits land while the thread copies). So when a checkpoint
// leaves `restartPages` pages or more in the WAL, the writer, between two commits, copies what was committed
// meanwhile and restarts the WAL (a RESTART checkpoint: a small part of the copying, on the ingest thread).
// If the thread fails, the writer's automatic checkpoints come back on.
import { Worker } from 'node:worker_threads';
import type { ErrorLog } from '@opsight/http-guard';
import { stderrErrorLog } from '@opsight/http-guard';
import type { SqliteDatabase, SqliteDriverName } from '@opsight/sqlite';
import type { CheckpointReply, CheckpointRequest, CheckpointWorkerData } from './checkpoint-worker.js';

export interface WalCheckpointerOptions {
  /** The database file (not ':memory:'). */
  file: string;
  driver: SqliteDriverName;
  /** The store's synchronous mode, used by the checkpoint connection too. */
  synchronous: 'FULL' | 'NORMAL';
  /** Spans committed between two checkpoints. @default 20000 */
  everySpans?: number;
  /** WAL pages from which the writer restarts the WAL after a checkpoint (see above). @default 10000 */
  restartPages?: number;
  /** Automatic checkpoint threshold (pages) the writer returns to if the thread fails. @default 10000 */
  fallbackAutocheckpointPages?: number;
  /** Where a failed checkpoint is reported (at most once a minute). @default stderrErrorLog('tracestore') */
  logError?: ErrorLog;
}

/** What the checkpoint thread did so far (for tests and metrics). */
export interface CheckpointStats {
  /** Checkpoints that completed. */
  checkpoints: number;
  /** RESTART checkpoints the writer ran after the thread's (see `restartPages`). */
  restarts: number;
  /** Checkpoints that failed (their error was logged). */
  failures: number;
  /** WAL pages at the end of the last checkpoint. */
  walPages: number;
}

export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly everySpans: number;
  private readonly restartPages: number;
  private readonly logError: ErrorLog;
  private spansSince = 0;
  private inFlight = false;
  private failed = false;
  private closing = false;
  private lastErrorLog = 0;
  readonly stats: CheckpointStats = { checkpoints: 0, restarts: 0, failures: 0, walPages: 0 };

  constructor(
    private readonly writer: SqliteDatabase,
    private readonly options: WalCheckpointerOptions,
  ) {
    this.everySpans = options.everySpans ?? 20_000;
    this.restartPages = options.restartPages ?? 10_000;
    this.logError = options.logError ?? stderrErrorLog('tracestore');
    const data: CheckpointWorkerData = {
      file: options.file,
      driver: options.driver,
      synchronous: options.synchronous,
    };
    this.worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), { workerData: data });
    this.worker.unref();
    this.worker.on('message', (reply: CheckpointReply) => this.onReply(reply));
    this.worker.on('error', (error) => this.fallBack(error));
    this.worker.on('exit', (code) => {
      if (!this.closing) this.fallBack(new Error(`checkpoint thread exited with code ${code}`));
    });
    writer.pragma('wal_autocheckpoint = 0');
  }

  /** After a commit of `spans` spans: asks for a checkpoint once enough were committed since the last. */
  committed(spans: number): void {
    this.spansSince += spans;
    if (this.inFlight || this.failed || this.closing || this.spansSince < this.everySpans) return;
    this.request();
  }

  /** Asks for a checkpoint now (unless one is running). */
  request(): void {
    if (this.inFlight || this.failed || this.closing) return;
    this.inFlight = true;
    this.spansSince = 0;
    const message: CheckpointRequest = { type: 'checkpoint' };
    this.worker.postMessage(message);
  }

  private onReply(reply: CheckpointReply): void {
    this.inFlight = false;
    if (reply.type === 'done') {
      this.stats.checkpoints++;
      this.stats.walPages = reply.walPages;
      if (reply.walPages >= this.restartPages && this.writer.open && !this.closing) {
        // Between two commits: copies what was committed while the thread copied, and restarts the WAL.
        try {
          this.writer.pragma('wal_checkpoint(RESTART)');
          this.stats.restarts++;
        } catch (error) {
          this.failedOnce((error as Error).message, (error as { code?: string }).code ?? null);
        }
      }
      return;
    }
    this.failedOnce(reply.message, reply.code);
  }

  /** Counts a failed checkpoint and logs it (at most once a minute); the next one is tried as usual. */
  private failedOnce(message: string, code: string | null): void {
    this.stats.failures++;
    const now = Date.now();
    if (now - this.lastErrorLog < 60_000) return;
    this.lastErrorLog = now;
    this.logError({
      message: 'WAL checkpoint failed; retrying after the next commits',
      code: 'CHECKPOINT_FAILED',
      error: message,
      sqliteCode: code,
    });
  }

  /** The thread is gone: the writer checkpoints by itself again, so the WAL stays bounded. */
  private fallBack(error: Error): void {
    if (this.failed || this.closing) return;
    this.failed = true;
    this.inFlight = false;
    this.logError({
      message: 'checkpoint thread failed; checkpoints run on the ingest thread again',
      code: 'CHECKPOINT_FAILED',
      error: error.message,
    });
    if (this.writer.open) {
      this.writer.pragma(`wal_autocheckpoint = ${this.options.fallbackAutocheckpointPages ?? 10_000}`);
    }
  }

  /**
   * Asks the thread to close its connection and end. It is not waited for: a thread can need the main
   * thread's event loop to start at all (module loading), so waiting here could stall. Whichever connection
   * closes last checkpoints the WAL and removes it; if the process ends first, the WAL stays, holding only
   * committed transactions, and the next open reads it as usual.
   */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    if (this.failed) return;
    const message: CheckpointRequest = { type: 'close' };
    this.worker.postMessage(message);
  }
}
