// Batches finished sampled spans into one export at a time, holding at most `maxQueueSize` spans (queued, in
// flight, or waiting for a retry together). The request path only pushes onto a bounded array: when the
// backend is down, slow or refusing, spans beyond the bound are dropped and counted, never waited for.
//
// Retries follow OTLP: a batch refused with a retryable error (429, 502, 503, 504, connection errors, time-outs;
// see OtlpHttpSpanExporter) is held and sent again after a bounded exponential back-off with jitter
// (`initialBackoffMs` doubling up to `maxBackoffMs`), or after the backend's `Retry-After` when it is longer.
// Batches go out in order, so while one waits the rest queue behind it up to the bound. A batch still refused
// `maxRetryElapsedMs` after its first failure (or whose `Retry-After` falls beyond that) is dropped and counted
// as `retries_exhausted`; a non-retryable refusal is dropped at once as `export_failed`. Nothing is retried
// forever and nothing is dropped silently: every span ends as exported or counted in one reason.
// What this does not survive: the process exiting without `shutdown()` (the queue is in memory); at shutdown
// each held batch gets one last attempt and what is still refused is counted as `retries_exhausted`.
import { context, TraceFlags } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, suppressTracing } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OtlpExportError, RETRYABLE_STATUSES } from './otlp-http-span-exporter.js';

export interface BoundedSpanProcessorOptions {
  /** Spans held for export at most (queued, in flight and awaiting retry); more are dropped and counted. @default 2048 */
  maxQueueSize: number;
  /** Spans per export request. @default 512 */
  maxExportBatchSize: number;
  /** Delay before a partial batch is sent. @default 1000 */
  scheduleDelayMs: number;
  /** A batch whose export has not answered after this long counts as failed (retryable). @default 10000 */
  exportTimeoutMs: number;
  /** First back-off after a retryable failure, in milliseconds; doubles per retry, with ±20% jitter. @default 1000 */
  initialBackoffMs?: number;
  /** Longest back-off between two attempts, in milliseconds (a longer Retry-After is honoured). @default 30000 */
  maxBackoffMs?: number;
  /** A batch still refused this long after its first failure is dropped (`retries_exhausted`). @default 300000 */
  maxRetryElapsedMs?: number;
}

/** The retry settings of BoundedSpanProcessorOptions. */
export type SpanExportRetryOptions = Pick<
  BoundedSpanProcessorOptions,
  'initialBackoffMs' | 'maxBackoffMs' | 'maxRetryElapsedMs'
>;

export type SpanDropReason = 'queue_full' | 'export_failed' | 'retries_exhausted';

export interface BoundedSpanProcessorHooks {
  onExported(count: number): void;
  onDropped(reason: SpanDropReason, count: number): void;
  onError(error: unknown): void;
  /** A batch failed with a retryable error and is scheduled again. @default none */
  onRetry?(count: number, delayMs: number): void;
}

/** Whether a failed export may succeed if sent again, and when the backend asked for it. */
export function retryDecision(error: unknown): { retryable: boolean; retryAfterMs?: number } {
  if (error instanceof OtlpExportError)
    return { retryable: error.retryable, retryAfterMs: error.retryAfterMs };
  // The upstream OTLP exporters report a refusal as an OTLPExporterError with the HTTP status in `code`.
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (typeof code === 'number') return { retryable: RETRYABLE_STATUSES.has(code) };
  // Anything else (connection errors, time-outs, unknown failures) may be transient; the window bounds it.
  return { retryable: true };
}

interface HeldBatch {
  spans: ReadableSpan[];
  firstFailureAt: number;
  attempts: number;
  dueAt: number;
}

export class BoundedSpanProcessor implements SpanProcessor {
  readonly #exporter: SpanExporter;
  readonly #options: Required<BoundedSpanProcessorOptions>;
  readonly #hooks: BoundedSpanProcessorHooks;
  readonly #random: () => number;
  #queue: ReadableSpan[] = [];
  /** Spans taken from the queue and not yet settled (in flight, or held for a retry). */
  #taken = 0;
  #retry: HeldBatch | undefined;
  #retryableFailures = 0;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #shutdown = false;

  constructor(
    exporter: SpanExporter,
    options: BoundedSpanProcessorOptions,
    hooks: BoundedSpanProcessorHooks,
    random: () => number = Math.random,
  ) {
    this.#exporter = exporter;
    this.#options = {
      initialBackoffMs: 1000,
      maxBackoffMs: 30_000,
      maxRetryElapsedMs: 300_000,
      ...options,
    };
    this.#hooks = hooks;
    this.#random = random;
  }

  onStart(_span: Span): void {}

  onEnd(span: ReadableSpan): void {
    if (this.#shutdown || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.#queue.length + this.#taken >= this.#options.maxQueueSize) {
      this.#hooks.onDropped('queue_full', 1);
      return;
    }
    this.#queue.push(span);
    if (this.#retry || this.#inFlight) return; // sent after the batch ahead of it
    if (this.#queue.length >= this.#options.maxExportBatchSize) this.#kick(false);
    else if (this.#timer === undefined) this.#arm(this.#options.scheduleDelayMs);
  }

  /** Spans held now: queued, in flight and awaiting retry. */
  get held(): number {
    return this.#queue.length + this.#taken;
  }

  /**
   * Sends everything queued now, without waiting out a back-off; stops at the first retryable failure (that
   * batch stays held for its next retry), so it returns in bounded time even while the backend is down.
   */
  async forceFlush(): Promise<void> {
    const failuresBefore = this.#retryableFailures;
    for (;;) {
      if (this.#inFlight) {
        await this.#inFlight;
        continue;
      }
      if (this.#retryableFailures > failuresBefore) break;
      if (!this.#retry && this.#queue.length === 0) break;
      this.#kick(true);
      if (!this.#inFlight) break; // shut down: nothing more will be sent
    }
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
    this.#shutdown = true;
    this.#clearTimer();
    if (this.#inFlight) await this.#inFlight;
    const left = this.#queue.length + (this.#retry?.spans.length ?? 0);
    if (left > 0) this.#hooks.onDropped('retries_exhausted', left);
    this.#queue = [];
    this.#retry = undefined;
    this.#taken = 0;
    await this.#exporter.shutdown().catch((error) => this.#hooks.onError(error));
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(delayMs: number): void {
    this.#clearTimer();
    this.#timer = setTimeout(() => this.#kick(false), Math.max(0, delayMs));
    this.#timer.unref();
  }

  /** Starts the next export: the held batch when its back-off is over (or `force`), else the queue's head. */
  #kick(force: boolean): void {
    this.#clearTimer();
    if (this.#inFlight || this.#shutdown) return;
    let batch: ReadableSpan[];
    if (this.#retry) {
      const wait = this.#retry.dueAt - Date.now();
      if (wait > 0 && !force) {
        this.#arm(wait);
        return;
      }
      batch = this.#retry.spans;
    } else {
      if (this.#queue.length === 0) return;
      batch = this.#queue.splice(0, this.#options.maxExportBatchSize);
      this.#taken = batch.length;
    }
    this.#inFlight = this.#export(batch)
      .then((result) => this.#settle(batch, result))
      .catch((error: unknown) => this.#hooks.onError(error))
      .finally(() => {
        this.#inFlight = undefined;
        this.#next();
      });
  }

  #next(): void {
    if (this.#shutdown) return;
    if (this.#retry) this.#arm(this.#retry.dueAt - Date.now());
    else if (this.#queue.length >= this.#options.maxExportBatchSize) this.#kick(false);
    else if (this.#queue.length > 0) this.#arm(this.#options.scheduleDelayMs);
  }

  #settle(batch: ReadableSpan[], result: ExportResult): void {
    if (result.code === ExportResultCode.SUCCESS) {
      this.#retry = undefined;
      this.#taken = 0;
      this.#hooks.onExported(batch.length);
      return;
    }
    const error = result.error ?? new Error('span export failed');
    const decision = retryDecision(error);
    const drop = (reason: SpanDropReason): void => {
      this.#retry = undefined;
      this.#taken = 0;
      this.#hooks.onDropped(reason, batch.length);
      this.#hooks.onError(error);
    };
    if (!decision.retryable) {
      drop('export_failed');
      return;
    }
    this.#retryableFailures++;
    const now = Date.now();
    const attempts = (this.#retry?.attempts ?? 0) + 1;
    const firstFailureAt = this.#retry?.firstFailureAt ?? now;
    const { initialBackoffMs, maxBackoffMs, maxRetryElapsedMs } = this.#options;
    const exponential = Math.min(maxBackoffMs, initialBackoffMs * 2 ** (attempts - 1));
    const jittered = exponential * (0.8 + 0.4 * this.#random());
    const delay = Math.max(jittered, decision.retryAfterMs ?? 0);
    if (this.#shutdown || now + delay - firstFailureAt > maxRetryElapsedMs) {
      drop('retries_exhausted');
      return;
    }
    this.#retry = { spans: batch, firstFailureAt, attempts, dueAt: now + delay };
    this.#hooks.onRetry?.(batch.length, delay);
    this.#hooks.onError(error);
  }

  #export(batch: ReadableSpan[]): Promise<ExportResult> {
    return new Promise<ExportResult>((resolve) => {
      let settled = false;
      const settle = (result: ExportResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        resolve(result);
      };
      const guard = setTimeout(
        () =>
          settle({
            code: ExportResultCode.FAILED,
            error: new OtlpExportError(
              `span export timed out after ${this.#options.exportTimeoutMs} ms`,
              true,
            ),
          }),
        this.#options.exportTimeoutMs + 1000,
      );
      guard.unref();
      try {
        context.with(suppressTracing(context.active()), () => this.#exporter.export(batch, settle));
      } catch (error) {
        settle({ code: ExportResultCode.FAILED, error: error as Error });
      }
    });
  }
}
