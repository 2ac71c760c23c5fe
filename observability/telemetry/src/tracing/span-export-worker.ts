// The export worker: receives span batches (span-wire.ts), encodes them as OTLP protobuf and sends them with
// OtlpHttpSpanExporter, one attempt per batch, and answers each with its outcome. Retrying, back-off and the
// bounded queue stay with the span processor on the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { ExportResultCode } from '@opentelemetry/core';
import {
  OtlpExportError,
  OtlpHttpSpanExporter,
  type OtlpHttpSpanExporterOptions,
} from './otlp-http-span-exporter.js';
import { fromWire, type WireBatch } from './span-wire.js';
import type { WorkerReply, WorkerRequest } from './worker-span-exporter.js';

const port = parentPort!;
const exporter = new OtlpHttpSpanExporter(workerData as OtlpHttpSpanExporterOptions);

port.on('message', (request: WorkerRequest) => {
  if (request.type === 'shutdown') {
    void exporter.shutdown().finally(() => port.close());
    return;
  }
  let spans: ReturnType<typeof fromWire>;
  try {
    spans = fromWire(request.batch as WireBatch);
  } catch (error) {
    reply({
      id: request.id,
      ok: false,
      message: `reading spans failed: ${(error as Error).message}`,
      retryable: false,
    });
    return;
  }
  exporter.export(spans, (result) => {
    if (result.code === ExportResultCode.SUCCESS) {
      reply({ id: request.id, ok: true });
      return;
    }
    const error = result.error;
    if (error instanceof OtlpExportError) {
      reply({
        id: request.id,
        ok: false,
        message: error.message,
        retryable: error.retryable,
        statusCode: error.statusCode,
        retryAfterMs: error.retryAfterMs,
      });
    } else {
      reply({ id: request.id, ok: false, message: String(error?.message ?? error), retryable: true });
    }
  });
});

function reply(message: WorkerReply): void {
  port.postMessage(message);
}
