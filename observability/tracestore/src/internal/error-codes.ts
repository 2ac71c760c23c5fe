// Stable error codes of the trace store, each with its HTTP status and gRPC status code. Every error
// response names one of these, the message says why, and `field` names the offending input where there is one.
// STORAGE_FULL (the disk or file system holding the database is full: SQLITE_FULL / ENOSPC) and STORAGE_FAILED
// (any other write failure) are transient: nothing of the request was stored, the answer carries Retry-After
// (gRPC: UNAVAILABLE), and the sender should retry the same request later.
export const errorCatalogue = {
  OTLP_INVALID_PROTOBUF: { http: 400, grpc: 3 },
  OTLP_INVALID_JSON: { http: 400, grpc: 3 },
  OTLP_INVALID_SPANS: { http: 400, grpc: 3 },
  OTLP_INVALID_GZIP: { http: 400, grpc: 3 },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, grpc: 3 },
  UNSUPPORTED_ENCODING: { http: 415, grpc: 3 },
  PAYLOAD_TOO_LARGE: { http: 413, grpc: 8 },
  UNAUTHORIZED: { http: 401, grpc: 16 },
  /** X-Scope-OrgID names another tenant than the bearer token's (--auth-tokens-file). */
  TENANT_MISMATCH: { http: 403, grpc: 7 },
  STORAGE_FAILED: { http: 503, grpc: 14 },
  STORAGE_FULL: { http: 503, grpc: 14 },
  INVALID_PARAMETER: { http: 400, grpc: 3 },
  TRACE_NOT_FOUND: { http: 404, grpc: 5 },
  NOT_FOUND: { http: 404, grpc: 5 },
  METHOD_NOT_ALLOWED: { http: 405, grpc: 12 },
  /** A trace analysis ran past its deadline (--analysis-timeout) and was stopped. */
  ANALYSIS_TIMEOUT: { http: 504, grpc: 4 },
  /** The client went away before its trace analysis was answered; the analysis was stopped (as Loki's 499). */
  ANALYSIS_CANCELLED: { http: 499, grpc: 1 },
  /** Too many trace analyses are waiting for a thread; retry after Retry-After. */
  ANALYSIS_BUSY: { http: 503, grpc: 14 },
  /**
   * An unexpected failure (a bug): the answer says only this code and "internal error"; the exception is in
   * the log line "request failed" (stderr). Not retried by OTLP senders (a retry would fail the same way).
   */
  INTERNAL_ERROR: { http: 500, grpc: 13 },
} as const;

export type ErrorCode = keyof typeof errorCatalogue;

export class TraceStoreError extends Error {
  readonly status: number;
  readonly grpcCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    /** For transient errors: when the sender may retry, in seconds (HTTP `Retry-After`). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.status = errorCatalogue[code].http;
    this.grpcCode = errorCatalogue[code].grpc;
  }
}
