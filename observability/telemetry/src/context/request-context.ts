import { randomUUID } from 'node:crypto';
import { type Context, context, createContextKey, INVALID_TRACEID, trace } from '@opentelemetry/api';

/** Per-request values that every log line and downstream call of the request carries. */
export interface RequestContext {
  /** From the X-Request-ID header (gRPC: `x-request-id` metadata), or generated. */
  readonly requestId: string;
  /** Authenticated user; set by the service once it knows it (`setUserId`). */
  userId: string | undefined;
  /** Route template, when the framework does not report it (plain node:http). */
  route: string | undefined;
}

const REQUEST_CONTEXT_KEY = createContextKey('opsight.request_context');
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** The request context of the active OpenTelemetry context, if any. */
export function getRequestContext(ctx: Context = context.active()): RequestContext | undefined {
  return ctx.getValue(REQUEST_CONTEXT_KEY) as RequestContext | undefined;
}

/** Returns `ctx` with a request context attached. */
export function withRequestContext(ctx: Context, request: RequestContext): Context {
  return ctx.setValue(REQUEST_CONTEXT_KEY, request);
}

/** A request id from an inbound header when it is printable and short, else a new one. */
export function requestIdFrom(header: unknown): string {
  if (typeof header === 'string' && REQUEST_ID.test(header)) return header;
  return randomUUID();
}

/** Creates the context of one inbound request. */
export function newRequestContext(requestIdHeader: unknown): RequestContext {
  return { requestId: requestIdFrom(requestIdHeader), userId: undefined, route: undefined };
}

/**
 * Sets the user of the current request; later log lines of the request carry it as `user_id`.
 * Does nothing outside a request.
 */
export function setUserId(userId: string | number): void {
  const request = getRequestContext();
  if (request) request.userId = String(userId);
}

/** Sets the route template of the current request (for plain node:http servers without a router). */
export function setRoute(route: string): void {
  const request = getRequestContext();
  if (request) request.route = route;
}

/** The id of the current request, if any. */
export function currentRequestId(): string | undefined {
  return getRequestContext()?.requestId;
}

/** The trace id of the active span, if any: what an error answer names so that its log lines can be found. */
export function currentTraceId(): string | undefined {
  const traceId = trace.getSpan(context.active())?.spanContext().traceId;
  return traceId && traceId !== INVALID_TRACEID ? traceId : undefined;
}
