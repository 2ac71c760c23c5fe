// OTLP export requests from bytes to storage, shared by the HTTP and gRPC receivers: decode, validate,
// store, count, and answer with OTLP's full or partial success.
import type { Counter } from 'prom-client';
import { TraceStoreError } from '../error-codes.js';
import type { SpanMetrics } from '../metrics/span-metrics.js';
import type { IngestResult, SpanStore } from '../storage/span-store.js';
import { otlpJsonToProtobuf } from './decode-json.js';
import { decodeExportRequest, type IngestBatch, OtlpDecodeError } from './ingest-batch.js';
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

interface Pending {
  batch: IngestBatch;
  transport: string;
  resolve: (outcome: ExportOutcome) => void;
  reject: (error: Error) => void;
}

/**
 * Decodes and validates each request at once, then stores the requests that arrived in the same turn of the
 * event loop in one transaction (group commit) and answers each after that commit. A request is still
 * stored wholly or not at all: if the group's transaction fails, each request is retried alone.
 */
export class TraceIngester {
  private pending: Pending[] = [];
  private flushScheduled = false;

  constructor(
    private readonly store: SpanStore,
    private readonly limits: SpanLimits,
    private readonly spanMetrics: SpanMetrics,
    private readonly counters: IngestCounters,
  ) {}

  /** Ingests an encoded request (protobuf, or OTLP/JSON text); rejects with TraceStoreError. */
  export(body: Uint8Array, format: 'protobuf' | 'json', transport: string): Promise<ExportOutcome> {
    let batch: IngestBatch;
    try {
      batch = this.decode(body, format);
    } catch (error) {
      this.counters.requests.inc({ transport, outcome: 'error' });
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ batch, transport, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private decode(body: Uint8Array, format: 'protobuf' | 'json'): IngestBatch {
    let batch: IngestBatch;
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
    if (batch.rejected > 0 && batch.spans.length === 0) {
      const reasons = batch.rejectReasons.join('; ');
      throw new TraceStoreError('OTLP_INVALID_SPANS', `all ${batch.rejected} spans are invalid: ${reasons}`);
    }
    return batch;
  }

  private flush(): void {
    const group = this.pending;
    this.pending = [];
    this.flushScheduled = false;
    let results: (IngestResult | Error)[];
    try {
      results = this.store.ingestMany(group.map((p) => p.batch));
    } catch {
      results = group.map((p) => {
        try {
          return this.store.ingest(p.batch);
        } catch (error) {
          return error as Error;
        }
      });
    }
    group.forEach((p, i) => {
      const result = results[i]!;
      if (result instanceof Error) {
        this.counters.requests.inc({ transport: p.transport, outcome: 'error' });
        p.reject(new TraceStoreError('STORAGE_FAILED', `storing spans failed: ${result.message}`));
        return;
      }
      this.spanMetrics.record(p.batch, result.stored);
      const { rejected } = p.batch;
      this.counters.requests.inc({ transport: p.transport, outcome: rejected > 0 ? 'partial' : 'ok' });
      this.counters.spans.inc({ transport: p.transport, outcome: 'stored' }, result.stored.length);
      this.counters.spans.inc({ transport: p.transport, outcome: 'rejected' }, rejected);
      p.resolve({
        stored: result.stored.length,
        rejected,
        errorMessage: rejected > 0 ? `${rejected} spans rejected: ${p.batch.rejectReasons.join('; ')}` : '',
      });
    });
  }
}
