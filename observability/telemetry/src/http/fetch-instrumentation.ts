import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { context, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { SpanAttr } from '@opsight/catalog';
import { getRequestContext } from '../context/request-context.js';
import { runtimeOf, type Telemetry } from '../telemetry.js';
import { methodLabel } from './status-class.js';

// Shapes of the undici diagnostics-channel messages (Node's fetch publishes them).
interface UndiciRequest {
  readonly origin: string;
  readonly method: string;
  readonly path: string;
  readonly headers: string | string[];
  addHeader(name: string, value: string): unknown;
}
interface CreateMessage {
  request: UndiciRequest;
}
interface HeadersMessage {
  request: UndiciRequest;
  response: { statusCode: number };
}
interface ErrorMessage {
  request: UndiciRequest;
  error: Error;
}

function hasHeader(headers: string | string[], name: string): boolean {
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) if (headers[i]?.toLowerCase() === name) return true;
    return false;
  }
  return headers.toLowerCase().includes(`${name}:`);
}

/**
 * Client spans for fetch/undici requests, with `traceparent` (and the current X-Request-ID) injected.
 * Returns a function that stops it; `initTelemetry`'s shutdown also stops it.
 */
export function instrumentFetch(telemetry?: Telemetry): () => void {
  const runtime = runtimeOf(telemetry);
  const tracer = runtime.tracer;
  const spans = new WeakMap<UndiciRequest, Span>();

  const onCreate = (message: unknown): void => {
    const { request } = message as CreateMessage;
    const active = context.active();
    if (isTracingSuppressed(active)) return;
    try {
      const method = methodLabel(request.method);
      const span = tracer.startSpan(method, { kind: SpanKind.CLIENT }, active);
      if (span.isRecording()) {
        const origin = new URL(request.origin);
        const q = request.path.indexOf('?');
        span.setAttribute(SpanAttr.httpRequestMethod, method);
        span.setAttribute(
          SpanAttr.urlFull,
          origin.origin + (q === -1 ? request.path : request.path.slice(0, q)),
        );
        span.setAttribute(SpanAttr.serverAddress, origin.hostname);
        span.setAttribute(
          SpanAttr.serverPort,
          Number(origin.port || (origin.protocol === 'https:' ? 443 : 80)),
        );
      }
      spans.set(request, span);
      const carrier: Record<string, string> = {};
      propagation.inject(trace.setSpan(active, span), carrier);
      for (const [name, value] of Object.entries(carrier)) request.addHeader(name, value);
      const requestId = getRequestContext(active)?.requestId;
      if (requestId && !hasHeader(request.headers, 'x-request-id'))
        request.addHeader('x-request-id', requestId);
    } catch (error) {
      runtime.errors.report('fetch-instrumentation', error);
    }
  };
  const onHeaders = (message: unknown): void => {
    const { request, response } = message as HeadersMessage;
    const span = spans.get(request);
    if (!span?.isRecording()) return;
    span.setAttribute(SpanAttr.httpResponseStatusCode, response.statusCode);
    if (response.statusCode >= 400) {
      span.setAttribute(SpanAttr.errorType, String(response.statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  };
  const onTrailers = (message: unknown): void => {
    const { request } = message as CreateMessage;
    spans.get(request)?.end();
    spans.delete(request);
  };
  const onError = (message: unknown): void => {
    const { request, error } = message as ErrorMessage;
    const span = spans.get(request);
    if (!span) return;
    if (span.isRecording()) {
      span.setAttribute(SpanAttr.errorType, error.name || 'Error');
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    }
    span.end();
    spans.delete(request);
  };

  subscribe('undici:request:create', onCreate);
  subscribe('undici:request:headers', onHeaders);
  subscribe('undici:request:trailers', onTrailers);
  subscribe('undici:request:error', onError);
  const stop = (): void => {
    unsubscribe('undici:request:create', onCreate);
    unsubscribe('undici:request:headers', onHeaders);
    unsubscribe('undici:request:trailers', onTrailers);
    unsubscribe('undici:request:error', onError);
  };
  runtime.onShutdown(stop);
  return stop;
}
