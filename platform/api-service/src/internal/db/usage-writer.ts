import type { Pool } from 'pg';

/** One API call, as billed. */
export interface UsageRow {
  at: Date;
  requestId: string;
  userId: string;
  keyId: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  status: number;
  errorCode: string | null;
  stream: boolean;
  cached: boolean;
}

export interface UsageWriterOptions {
  /** Rows per INSERT; a full batch is written at once. @default 200 */
  batchSize?: number;
  /** A partial batch is written after this long. @default 1000 */
  flushIntervalMs?: number;
  /** Rows queued beyond this are dropped (and counted) while the database is unreachable. @default 20000 */
  maxQueued?: number;
  /** Called with the number of rows written or dropped. */
  onOutcome?: (outcome: 'written' | 'dropped', rows: number) => void;
  /** Called with the queue's length whenever it changes. */
  onQueued?: (rows: number) => void;
  /** Called when a batch fails. */
  onError?: (error: unknown) => void;
}

const COLUMNS = 13;

/**
 * Queues usage rows and writes them to PostgreSQL in multi-row INSERTs: one round trip per batch instead
 * of one per request. A failed batch is put back and retried at the next flush; rows beyond `maxQueued`
 * are dropped and counted.
 *
 * Guarantees: a row is counted `written` only once its INSERT has committed, so nothing counted as written
 * is lost. While PostgreSQL is down, rows wait in memory (up to `maxQueued`) and are written once it
 * answers again; every row beyond the bound is counted `dropped`. The queue is in memory: a kill -9
 * loses the queued rows (`api_usage_rows_queued` says how many were at risk), and `close()` counts the
 * rows it could not write as dropped. A batch whose commit was sent but not acknowledged (connection lost
 * at that moment) is retried, so a row may, rarely, be written twice (at least once).
 */
export class UsageWriter {
  readonly #pool: Pool;
  readonly #batchSize: number;
  readonly #maxQueued: number;
  readonly #onOutcome: NonNullable<UsageWriterOptions['onOutcome']>;
  readonly #onError: NonNullable<UsageWriterOptions['onError']>;
  readonly #onQueued: NonNullable<UsageWriterOptions['onQueued']>;
  #queue: UsageRow[] = [];
  #flushing: Promise<void> | undefined;
  readonly #timer: NodeJS.Timeout;

  constructor(pool: Pool, options: UsageWriterOptions = {}) {
    this.#pool = pool;
    this.#batchSize = options.batchSize ?? 200;
    this.#maxQueued = options.maxQueued ?? 20_000;
    this.#onOutcome = options.onOutcome ?? (() => {});
    this.#onError = options.onError ?? (() => {});
    this.#onQueued = options.onQueued ?? (() => {});
    this.#timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 1000);
    this.#timer.unref();
  }

  /** Rows waiting to be written. */
  get queued(): number {
    return this.#queue.length;
  }

  add(row: UsageRow): void {
    if (this.#queue.length >= this.#maxQueued) {
      this.#onOutcome('dropped', 1);
      return;
    }
    this.#queue.push(row);
    this.#onQueued(this.#queue.length);
    if (this.#queue.length >= this.#batchSize && !this.#flushing) void this.flush();
  }

  /** Writes every queued row (in batches); resolves once done or once a batch failed. */
  flush(): Promise<void> {
    this.#flushing ??= this.#drain().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#batchSize);
      try {
        await this.#insert(batch);
        this.#onOutcome('written', batch.length);
        this.#onQueued(this.#queue.length);
      } catch (error) {
        this.#onError(error);
        const room = this.#maxQueued - this.#queue.length;
        const kept = batch.slice(0, Math.max(0, room));
        if (kept.length < batch.length) this.#onOutcome('dropped', batch.length - kept.length);
        this.#queue.unshift(...kept);
        this.#onQueued(this.#queue.length);
        return;
      }
    }
  }

  async #insert(rows: UsageRow[]): Promise<void> {
    const values: unknown[] = [];
    const tuples = rows.map((r, i) => {
      values.push(
        r.at,
        r.requestId,
        r.userId,
        r.keyId,
        r.model,
        r.promptTokens,
        r.completionTokens,
        r.promptTokens + r.completionTokens,
        r.latencyMs,
        r.status,
        r.errorCode,
        r.stream,
        r.cached,
      );
      const base = i * COLUMNS;
      return `(${Array.from({ length: COLUMNS }, (_, j) => `$${base + j + 1}`).join(', ')})`;
    });
    await this.#pool.query(
      `INSERT INTO api_usage (at, request_id, user_id, key_id, model, prompt_tokens, completion_tokens,
        total_tokens, latency_ms, status, error_code, stream, cached) VALUES ${tuples.join(', ')}`,
      values,
    );
  }

  /**
   * Stops the timer and writes what is queued; rows that cannot be written (the database is down) are
   * counted as dropped. Returns how many were dropped.
   */
  async close(): Promise<number> {
    clearInterval(this.#timer);
    await this.flush();
    const left = this.#queue.length;
    this.#queue = [];
    if (left > 0) {
      this.#onOutcome('dropped', left);
      this.#onQueued(0);
    }
    return left;
  }
}
