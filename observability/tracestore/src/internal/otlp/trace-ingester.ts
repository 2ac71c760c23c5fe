// OTLP export requests from bytes to storage, shared by the HTTP and gRPC receivers: decode, validate,
// store, count, and answer with OTLP's full or partial success.
//
// Guarantee: a request is answered with success only after its transaction committed (see SpanStore for what
// a commit survives). When the commit fails nothing of the request is stored and the answer is a 503
// (gRPC UNAVAILABLE) with Retry-After: STORAGE_FULL when the disk is full (SQLITE_FULL, ENOSPC), else
// STORAGE_FAILED. Nothing is kept in memory for later, so a full disk never grows the process; the sender
// keeps the request and retries, and the first commit after space is freed succeeds, with no restart.
// Spans over the per-trace limit are not stored: they are counted (`dropped`) and reported to the sender as
// rejected in OTLP's partial_success, which senders do not retry.

import { type ErrorLog, errorFields, stderrErrorLog } from '@opsight/http-guard';
import type { Counter, Gauge } from 'prom-client';
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
  /** Spans by outcome: stored, rejected (invalid), dropped (over the per-trace limit). */
  spans: Counter<'transport' | 'outcome'>;
  /** Requests by outcome: ok, partial, error, storage_full. */
  requests: Counter<'transport' | 'outcome'>;
  /** Spans dropped by reason (trace_too_large). @default none */
  dropped?: Counter<'reason'>;
  /** 1 while the last commit failed for lack of space, 0 once one succeeds. @default none */
  storageFull?: Gauge;
}

export interface IngestOptions {
  /** Retry-After of a 503 answered when storing failed, in seconds. @default 5 */
  retryAfterSeconds?: number;
  /** Called after each group commit that stored something (e.g. to check the size budget). @default none */
  onCommitted?: () => void;
  /**
   * Where a failed commit's error goes (its answer says only STORAGE_FULL or STORAGE_FAILED).
   * @default one JSON line on stderr (stderrErrorLog)
   */
  logError?: ErrorLog;
}

/** Whether a storage error means the disk (or the file system holding the database) is full. */
export function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC';
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
    private readonly options: IngestOptions = {},
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
    const retryAfter = this.options.retryAfterSeconds ?? 5;
    let committed = false;
    group.forEach((p, i) => {
      const result = results[i]!;
      if (result instanceof Error) {
        const full = isDiskFull(result);
        if (full) this.counters.storageFull?.set(1);
        this.counters.requests.inc({ transport: p.transport, outcome: full ? 'storage_full' : 'error' });
        (this.options.logError ?? stderrErrorLog('tracestore'))({
          message: 'storing spans failed; answered 503',
          code: full ? 'STORAGE_FULL' : 'STORAGE_FAILED',
          transport: p.transport,
          ...errorFields(result),
        });
        p.reject(
          full
            ? new TraceStoreError(
                'STORAGE_FULL',
                'the disk holding the trace store is full; nothing of this request was stored, retry later',
                undefined,
                retryAfter,
              )
            : new TraceStoreError(
                'STORAGE_FAILED',
                'storing spans failed; nothing of this request was stored, retry later',
                undefined,
                retryAfter,
              ),
        );
        return;
      }
      committed = true;
      this.spanMetrics.record(p.batch, result.stored);
      const rejected = p.batch.rejected + result.dropped;
      this.counters.requests.inc({ transport: p.transport, outcome: rejected > 0 ? 'partial' : 'ok' });
      this.counters.spans.inc({ transport: p.transport, outcome: 'stored' }, result.stored.length);
      this.counters.spans.inc({ transport: p.transport, outcome: 'rejected' }, p.batch.rejected);
      this.counters.spans.inc({ transport: p.transport, outcome: 'dropped' }, result.dropped);
      this.counters.dropped?.inc({ reason: 'trace_too_large' }, result.dropped);
      const reasons = [...p.batch.rejectReasons];
      if (result.dropped > 0) {
        const ids = result.droppedTraceIds.slice(0, 3).map((id) => id.toString('hex'));
        const more = result.droppedTraceIds.length > 3 ? ', …' : '';
        reasons.push(
          `${result.dropped} spans dropped: trace ${ids.join(', ')}${more} is over the limit of ${this.store.maxSpansPerTrace} spans per trace`,
        );
      }
      p.resolve({
        stored: result.stored.length,
        rejected,
        errorMessage: rejected > 0 ? `${rejected} spans rejected: ${reasons.join('; ')}` : '',
      });
    });
    if (committed) {
      this.counters.storageFull?.set(0);
      this.options.onCommitted?.();
    }
  }
}
