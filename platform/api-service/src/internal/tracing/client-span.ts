import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { SpanAttr } from '@opsight/catalog';

/** What a database or cache call is, for its client span (OpenTelemetry database conventions). */
export interface DbCall {
  system: 'postgresql' | 'redis';
  /** SQL verb or Redis command (`SELECT`, `EVALSHA`, `GET`). */
  operation: string;
  /** Table, for SQL. */
  collection?: string;
  /** Parameterized query text (never parameter values, never keys). */
  query?: string;
  namespace?: string;
}

/**
 * Runs `fn` inside a client span named `<operation> <collection>` (or the operation alone), a child of the
 * active span, so a request's PostgreSQL and Redis calls appear in its trace. A rejection marks the span
 * as an error and is passed on.
 */
export async function withDbSpan<T>(tracer: Tracer, call: DbCall, fn: () => Promise<T>): Promise<T> {
  const name = call.collection ? `${call.operation} ${call.collection}` : call.operation;
  return tracer.startActiveSpan(name, { kind: SpanKind.CLIENT }, async (span) => {
    if (span.isRecording()) {
      span.setAttribute(SpanAttr.dbSystemName, call.system);
      span.setAttribute(SpanAttr.dbOperationName, call.operation);
      if (call.collection) span.setAttribute(SpanAttr.dbCollectionName, call.collection);
      if (call.query) span.setAttribute(SpanAttr.dbQueryText, call.query);
      if (call.namespace) span.setAttribute(SpanAttr.dbNamespace, call.namespace);
    }
    try {
      return await fn();
    } catch (error) {
      span.setAttribute(SpanAttr.errorType, (error as Error).name || 'Error');
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}
