/**
 * Where a chat request's context travels between hops: in gRPC metadata and HTTP headers, never in the
 * request itself. Trace context goes as W3C `traceparent`/`tracestate` beside these.
 */
export const REQUEST_CONTEXT_METADATA = {
  /** The request id the edge assigned (the telemetry SDK sets and reads it on every hop). */
  requestId: 'x-request-id',
  /** The authenticated user (not OpenAI's free-text `user`): log lines of every hop carry it as `user_id`. */
  userId: 'x-opsight-user-id',
} as const;
