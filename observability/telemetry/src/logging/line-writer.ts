// A non-blocking writer of log lines to a file descriptor (stdout), built for a request path that writes a
// line per request: `write` appends the line to an array and returns; the lines go out in large batches,
// one `fs.write` of the joined batch at a time, when `batchChars` have gathered or every `flushIntervalMs`.
// Nothing is scanned or copied per line (no byte counting, no growing string), so a line costs a push.
//
// Bounds and failures: at most `maxBufferedChars` wait (more are dropped and counted); a write error other
// than EAGAIN marks the writer broken, and the lines it held and every later line are counted as failed,
// never thrown. EAGAIN (a non-blocking pipe that is full) is retried. At process exit, what is still
// buffered is written synchronously.
import { write as fsWrite, writeSync } from 'node:fs';

export interface LineWriterOptions {
  /** File descriptor written to. @default 1 (stdout) */
  fd?: number;
  /** A batch is written once this many characters have gathered. @default 65536 */
  batchChars?: number;
  /** Characters held at most (waiting and being written); lines beyond are dropped and counted. @default 16777216 */
  maxBufferedChars?: number;
  /** Lines wait at most this long before they are written. @default 100 */
  flushIntervalMs?: number;
  /** Lines dropped (buffer full) or failed (write error), by count. @default none */
  onFailure?: (lines: number) => void;
}

/** How long a synchronous flush keeps retrying a full non-blocking pipe. */
const SYNC_EAGAIN_DEADLINE_MS = 1000;

export class LineWriter {
  readonly #fd: number;
  readonly #batchChars: number;
  readonly #maxBufferedChars: number;
  readonly #onFailure: (lines: number) => void;
  #pending: string[] = [];
  #pendingChars = 0;
  /** The batch being written, and how much of it is written. */
  #writing: { buffer: Buffer; offset: number; lines: number } | undefined;
  #broken = false;
  #waiters: (() => void)[] = [];
  readonly #timer: NodeJS.Timeout;
  readonly #onExit = (): void => this.flushSync();

  constructor(options: LineWriterOptions = {}) {
    this.#fd = options.fd ?? 1;
    this.#batchChars = options.batchChars ?? 65_536;
    this.#maxBufferedChars = options.maxBufferedChars ?? 16 * 1024 * 1024;
    this.#onFailure = options.onFailure ?? (() => {});
    this.#timer = setInterval(() => this.#kick(), options.flushIntervalMs ?? 100);
    this.#timer.unref();
    process.on('exit', this.#onExit);
  }

  /** Queues one line (with its newline). */
  write(line: string): void {
    if (this.#broken) {
      this.#onFailure(1);
      return;
    }
    if (this.#pendingChars + line.length + (this.#writing?.buffer.length ?? 0) > this.#maxBufferedChars) {
      this.#onFailure(1);
      return;
    }
    this.#pending.push(line);
    this.#pendingChars += line.length;
    if (this.#writing === undefined && this.#pendingChars >= this.#batchChars) this.#kick();
  }

  /** Writes what is buffered; `done` runs once it is written (or has failed). */
  flush(done?: (error?: Error) => void): void {
    if (done) this.#waiters.push(done);
    this.#kick();
    this.#settleWaiters();
  }

  /**
   * Writes what is buffered now, synchronously; a batch whose asynchronous write is under way is left to
   * it. Failures are counted, never thrown.
   */
  flushSync(): void {
    if (this.#broken || this.#pending.length === 0) return;
    const lines = this.#pending.length;
    const buffer = this.#take();
    let offset = 0;
    const deadline = Date.now() + SYNC_EAGAIN_DEADLINE_MS;
    while (offset < buffer.length) {
      try {
        offset += writeSync(this.#fd, buffer, offset, buffer.length - offset);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN' && Date.now() < deadline) continue;
        this.#fail(lines);
        return;
      }
    }
  }

  /** Stops the periodic write and the exit hook; buffered lines are written first. */
  close(): void {
    this.flushSync();
    clearInterval(this.#timer);
    process.off('exit', this.#onExit);
  }

  #take(): Buffer {
    const buffer = Buffer.from(this.#pending.length === 1 ? this.#pending[0]! : this.#pending.join(''));
    this.#pending = [];
    this.#pendingChars = 0;
    return buffer;
  }

  #kick(): void {
    if (this.#writing !== undefined || this.#broken || this.#pending.length === 0) return;
    const lines = this.#pending.length;
    this.#writing = { buffer: this.#take(), offset: 0, lines };
    this.#continue();
  }

  #continue(): void {
    const writing = this.#writing!;
    fsWrite(
      this.#fd,
      writing.buffer,
      writing.offset,
      writing.buffer.length - writing.offset,
      null,
      (error, written) => {
        if (error) {
          if (error.code === 'EAGAIN') {
            setTimeout(() => this.#continue(), 10);
            return;
          }
          this.#writing = undefined;
          this.#fail(writing.lines);
          return;
        }
        writing.offset += written;
        if (writing.offset < writing.buffer.length) {
          this.#continue();
          return;
        }
        this.#writing = undefined;
        if (this.#pendingChars >= this.#batchChars || this.#waiters.length > 0) this.#kick();
        this.#settleWaiters();
      },
    );
  }

  #fail(lines: number): void {
    this.#broken = true;
    const dropped = lines + this.#pending.length;
    this.#pending = [];
    this.#pendingChars = 0;
    this.#onFailure(dropped);
    this.#settleWaiters();
  }

  #settleWaiters(): void {
    if (this.#waiters.length === 0) return;
    if (!this.#broken && (this.#writing !== undefined || this.#pending.length > 0)) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const done of waiters) done();
  }
}
