// One OTLP export request from bytes to storage, shared by the HTTP and gRPC receivers: decode, validate,
// store in one transaction, count, and answer with OTLP's full or partial success.
import type { Counter } from 'prom-client';
import { TraceStoreError } from '../error-codes.js';
import type { SpanMetrics } from '../metrics/span-metrics.js';
import type { SpanStore } from '../storage/span-store.js';
import { otlpJsonToProtobuf } from './decode-json.js';
import { decodeExportRequest, OtlpDecodeError } from './ingest-batch.js';
import type { SpanLimits } from './validate-span.js';

export interface ExportOutcome {
  /** Spans stored now (duplicates of already stored spans excluded). */
  stored: number;
  /** Spans rejected as invalid; when > 0 the response carries OTLP's partial_success. */
  rejected: number;
  errorMessage: string;
}

export interface IngestCounters {
  spans: Counter<'transport' | 'outcome'>;
  requests: Counter<'transport' | 'outcome'>;
}

export class TraceIngester {
  constructor(
    private readonly store: SpanStore,
    private readonly limits: SpanLimits,
    private readonly spanMetrics: SpanMetrics,
    private readonly counters: IngestCounters,
  ) {}

  /** Ingests an encoded request (protobuf, or OTLP/JSON text when `json`); throws TraceStoreError. */
  export(body: Uint8Array, format: 'protobuf' | 'json', transport: string): ExportOutcome {
    try {
      const outcome = this.exportUnchecked(body, format);
      this.counters.requests.inc({ transport, outcome: outcome.rejected > 0 ? 'partial' : 'ok' });
      this.counters.spans.inc({ transport, outcome: 'stored' }, outcome.stored);
      this.counters.spans.inc({ transport, outcome: 'rejected' }, outcome.rejected);
      return outcome;
    } catch (error) {
      this.counters.requests.inc({ transport, outcome: 'error' });
      throw error;
    }
  }

  private exportUnchecked(body: Uint8Array, format: 'protobuf' | 'json'): ExportOutcome {
    let batch: ReturnType<typeof decodeExportRequest>;
    try {
      const bytes = format === 'json' ? otlpJsonToProtobuf(Buffer.from(body).toString('utf8')) : body;
      batch = decodeExportRequest(bytes, this.limits);
    } catch (error) {
      if (error instanceof OtlpDecodeError) {
        throw new TraceStoreError(
          format === 'json' ? 'OTLP_INVALID_JSON' : 'OTLP_INVALID_PROTOBUF',
          error.message,
          error.field,
        );
      }
      throw error;
    }
    const errorMessage = batch.rejectReasons.join('; ');
    if (batch.rejected > 0 && batch.spans.length === 0) {
      throw new TraceStoreError(
        'OTLP_INVALID_SPANS',
        `all ${batch.rejected} spans are invalid: ${errorMessage}`,
      );
    }
    let result: ReturnType<SpanStore['ingest']>;
    try {
      result = this.store.ingest(batch);
    } catch (error) {
      throw new TraceStoreError('STORAGE_FAILED', `storing spans failed: ${(error as Error).message}`);
    }
    this.spanMetrics.record(batch, result.stored);
    return {
      stored: result.stored.length,
      rejected: batch.rejected,
      errorMessage: batch.rejected > 0 ? `${batch.rejected} spans rejected: ${errorMessage}` : '',
    };
  }
}
