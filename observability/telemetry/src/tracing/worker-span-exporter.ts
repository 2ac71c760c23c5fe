// A SpanExporter whose OTLP encoding and HTTP requests run in a worker thread: the main thread only turns a
// batch into plain data (span-wire.ts) and posts it. Each export gets exactly the outcome
// OtlpHttpSpanExporter would give (success, or an OtlpExportError saying whether and when to retry), so the
// span processor in front of it keeps its retries, back-off, bounded queue and drop counts unchanged.
//
// A worker that dies (an uncaught error, an exit) fails every export it held with a retryable error, which
// the processor counts and retries; the next export starts a new worker. Nothing waits on a dead worker.
import { Worker } from 'node:worker_threads';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { OtlpExportError, type OtlpHttpSpanExporterOptions } from './otlp-http-span-exporter.js';
import { toWire, type WireBatch } from './span-wire.js';

/** A message to the worker. */
export type WorkerRequest = { type: 'export'; id: number; batch: WireBatch } | { type: 'shutdown' };

/** The worker's answer to one export. */
export type WorkerReply =
  | { id: number; ok: true }
  | {
      id: number;
      ok: false;
      message: string;
      retryable: boolean;
      statusCode?: number;
      retryAfterMs?: number;
    };

export interface WorkerSpanExporterOptions extends OtlpHttpSpanExporterOptions {
  /** The worker's script. @default the SDK's export worker (span-export-worker.js) */
  workerUrl?: URL;
  /** How long shutdown waits for the worker to finish before stopping it. @default 5000 */
  shutdownTimeoutMs?: number;
}

export class WorkerSpanExporter implements SpanExporter {
  readonly #options: OtlpHttpSpanExporterOptions;
  readonly #workerUrl: URL;
  readonly #shutdownTimeoutMs: number;
  #worker: Worker | undefined;
  #pending = new Map<number, (result: ExportResult) => void>();
  #nextId = 1;
  #shutdown = false;

  constructor(options: WorkerSpanExporterOptions = {}) {
    const { workerUrl, shutdownTimeoutMs, ...exporter } = options;
    this.#options = exporter;
    this.#workerUrl = workerUrl ?? new URL('./span-export-worker.js', import.meta.url);
    this.#shutdownTimeoutMs = shutdownTimeoutMs ?? 5000;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.#shutdown) {
      done({ code: ExportResultCode.FAILED, error: new OtlpExportError('exporter is shut down', false) });
      return;
    }
    let batch: WireBatch;
    try {
      batch = toWire(spans);
    } catch (error) {
      done({
        code: ExportResultCode.FAILED,
        error: new OtlpExportError(`serializing spans failed: ${(error as Error).message}`, false),
      });
      return;
    }
    const id = this.#nextId++;
    this.#pending.set(id, done);
    try {
      const worker = this.#start();
      worker.postMessage({ type: 'export', id, batch } satisfies WorkerRequest);
      // Held exports keep the process alive (as an HTTP request in flight would); an idle worker does not.
      worker.ref();
    } catch (error) {
      this.#pending.delete(id);
      done({
        code: ExportResultCode.FAILED,
        error: new OtlpExportError(
          `posting spans to the export worker failed: ${(error as Error).message}`,
          false,
        ),
      });
    }
  }

  async shutdown(): Promise<void> {
    this.#shutdown = true;
    const worker = this.#worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'shutdown' } satisfies WorkerRequest);
    const timer = setTimeout(() => void worker.terminate(), this.#shutdownTimeoutMs);
    await exited;
    clearTimeout(timer);
  }

  async forceFlush(): Promise<void> {}

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(this.#workerUrl, { workerData: this.#options });
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      const done = this.#pending.get(reply.id);
      if (!done) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) worker.unref();
      if (reply.ok) done({ code: ExportResultCode.SUCCESS });
      else
        done({
          code: ExportResultCode.FAILED,
          error: new OtlpExportError(reply.message, reply.retryable, reply.statusCode, reply.retryAfterMs),
        });
    });
    let failure = 'exited';
    worker.on('error', (error) => {
      failure = `failed: ${error.message}`;
    });
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#worker = undefined;
      const pending = this.#pending;
      this.#pending = new Map();
      for (const done of pending.values()) {
        done({
          code: ExportResultCode.FAILED,
          error: new OtlpExportError(`span export worker ${failure} (exit code ${code})`, !this.#shutdown),
        });
      }
    });
    this.#worker = worker;
    return worker;
  }
}
