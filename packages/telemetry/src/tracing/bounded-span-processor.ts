import { context, TraceFlags } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, suppressTracing } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface BoundedSpanProcessorOptions {
  /** Spans held for export at most; more are dropped and counted. @default 2048 */
  maxQueueSize: number;
  /** Spans per export request. @default 512 */
  maxExportBatchSize: number;
  /** Delay before a partial batch is sent. @default 1000 */
  scheduleDelayMs: number;
  /** A batch whose export has not answered after this long counts as failed. @default 10000 */
  exportTimeoutMs: number;
}

export interface BoundedSpanProcessorHooks {
  onExported(count: number): void;
  onDropped(reason: 'queue_full' | 'export_failed', count: number): void;
  onError(error: unknown): void;
}

/**
 * Batches finished sampled spans into one export at a time. The request path only pushes onto a bounded
 * array: when the backend is down, slow or failing, spans beyond the bound are dropped and counted, never
 * waited for. Exports run with tracing suppressed so the exporter's own HTTP calls are not traced.
 */
export class BoundedSpanProcessor implements SpanProcessor {
  readonly #exporter: SpanExporter;
  readonly #options: BoundedSpanProcessorOptions;
  readonly #hooks: BoundedSpanProcessorHooks;
  #queue: ReadableSpan[] = [];
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #shutdown = false;

  constructor(
    exporter: SpanExporter,
    options: BoundedSpanProcessorOptions,
    hooks: BoundedSpanProcessorHooks,
  ) {
    this.#exporter = exporter;
    this.#options = options;
    this.#hooks = hooks;
  }

  onStart(_span: Span): void {}

  onEnd(span: ReadableSpan): void {
    if (this.#shutdown || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.#queue.length >= this.#options.maxQueueSize) {
      this.#hooks.onDropped('queue_full', 1);
      return;
    }
    this.#queue.push(span);
    if (this.#queue.length >= this.#options.maxExportBatchSize) this.#kick();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#kick(), this.#options.scheduleDelayMs);
      this.#timer.unref();
    }
  }

  /** Exports everything queued now (waits for the batch in flight first). */
  async forceFlush(): Promise<void> {
    this.#clearTimer();
    while (this.#inFlight || this.#queue.length > 0) {
      if (this.#inFlight) await this.#inFlight;
      else this.#kick();
    }
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
    this.#shutdown = true;
    await this.#exporter.shutdown().catch((error) => this.#hooks.onError(error));
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #kick(): void {
    this.#clearTimer();
    if (this.#inFlight || this.#queue.length === 0) return;
    const batch = this.#queue.splice(0, this.#options.maxExportBatchSize);
    this.#inFlight = this.#export(batch).finally(() => {
      this.#inFlight = undefined;
      if (this.#queue.length >= this.#options.maxExportBatchSize) this.#kick();
      else if (this.#queue.length > 0 && this.#timer === undefined && !this.#shutdown) {
        this.#timer = setTimeout(() => this.#kick(), this.#options.scheduleDelayMs);
        this.#timer.unref();
      }
    });
  }

  #export(batch: ReadableSpan[]): Promise<void> {
    return new Promise<void>((resolve) => {
      let settled = false;
      const settle = (result: ExportResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        if (result.code === ExportResultCode.SUCCESS) this.#hooks.onExported(batch.length);
        else {
          this.#hooks.onDropped('export_failed', batch.length);
          this.#hooks.onError(result.error ?? new Error('span export failed'));
        }
        resolve();
      };
      const guard = setTimeout(
        () =>
          settle({
            code: ExportResultCode.FAILED,
            error: new Error(`span export timed out after ${this.#options.exportTimeoutMs} ms`),
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
