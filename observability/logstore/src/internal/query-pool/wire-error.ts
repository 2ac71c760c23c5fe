// A query's failure as it crosses the thread boundary: structured cloning keeps an Error's message only,
// so the store's two error classes travel as their fields and are built again on the other side, with
// the same status, code and field. Any other failure is a bug, answered 500 by the routes.
import { LogStoreError } from '../api/log-store-error.js';
import type { ErrorCode } from '../error-codes.js';
import { QueryError } from '../logql/engine.js';

/** A failure in a form structured cloning keeps whole. */
export type WireError =
  | { kind: 'query'; status: number; code: ErrorCode; message: string; field?: string }
  | {
      kind: 'store';
      status: number;
      code: ErrorCode;
      message: string;
      field?: string;
      retryAfterSeconds?: number;
    }
  | { kind: 'other'; message: string; stack?: string; code?: string };

export function toWire(e: unknown): WireError {
  if (e instanceof QueryError) {
    return {
      kind: 'query',
      status: e.status,
      code: e.code,
      message: e.message,
      ...(e.field !== undefined ? { field: e.field } : {}),
    };
  }
  if (e instanceof LogStoreError) {
    return {
      kind: 'store',
      status: e.status,
      code: e.code,
      message: e.message,
      ...(e.field !== undefined ? { field: e.field } : {}),
      ...(e.retryAfterSeconds !== undefined ? { retryAfterSeconds: e.retryAfterSeconds } : {}),
    };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as { code?: unknown }).code;
  return {
    kind: 'other',
    message: err.message,
    ...(err.stack !== undefined ? { stack: err.stack } : {}),
    ...(typeof code === 'string' ? { code } : {}),
  };
}

export function fromWire(w: WireError): Error {
  if (w.kind === 'query') return new QueryError(w.status, w.code, w.message, w.field);
  if (w.kind === 'store') {
    return new LogStoreError(w.code, w.message, {
      status: w.status,
      ...(w.field !== undefined ? { field: w.field } : {}),
      ...(w.retryAfterSeconds !== undefined ? { retryAfterSeconds: w.retryAfterSeconds } : {}),
    });
  }
  const e = new Error(w.message) as Error & { code?: string };
  if (w.stack !== undefined) e.stack = w.stack;
  if (w.code !== undefined) e.code = w.code;
  return e;
}
