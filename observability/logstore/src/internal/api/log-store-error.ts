// The store's refusals as one error type: a stable code from the catalogue (which gives the HTTP status),
// the message Loki gives for the same condition, and the offending field or parameter.
import { ERROR_CODES, type ErrorCode } from '../error-codes.js';

/** Where and how a refusal is told to the client, besides its code and message. */
export interface LogStoreErrorDetails {
  /** The offending field, parameter or header. */
  field?: string;
  /** Seconds the client should wait before trying again (Retry-After). */
  retryAfterSeconds?: number;
  /** The HTTP status, where a caller's decision carries its own. @default the code's status in ERROR_CODES */
  status?: number;
}

/** A request the store refuses, with a stable code. */
export class LogStoreError extends Error {
  readonly status: number;
  readonly field: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    details: LogStoreErrorDetails = {},
  ) {
    super(message);
    this.status = details.status ?? ERROR_CODES[code].status;
    this.field = details.field;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

/**
 * A write that failed for lack of disk space or an I/O error, as a 503 to retry; undefined for any other
 * failure. SQLite rolls the transaction back, so nothing of the request was stored (or acknowledged).
 */
export function storageWriteError(e: unknown, retryAfterSeconds: number): LogStoreError | undefined {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC')
    return new LogStoreError(
      'STORAGE_FULL',
      'storage full: the disk of the log store has no space left; nothing of this request was stored',
      { retryAfterSeconds },
    );
  if (code.startsWith('SQLITE_IOERR'))
    return new LogStoreError(
      'STORAGE_IO_ERROR',
      `storage I/O error (${code}): nothing of this request was stored`,
      {
        retryAfterSeconds,
      },
    );
  return undefined;
}
