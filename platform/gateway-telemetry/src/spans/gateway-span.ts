import { type Link, type SpanContext, SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanAttr } from '@opsight/catalog';
import type { AccessLogEntry } from '../access-log/access-log-line.js';

/** Routes named in span names; any other path gives a span named by its method alone (bounded names). */
export const KNOWN_ROUTES: readonly string[] = [
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/embeddings',
  '/v1/models',
];

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** `traceparent` of the client, as a span context, when it is well formed (W3C version 00). */
export function parseTraceparent(value: string): SpanContext | undefined {
  const m = TRACEPARENT.exec(value.trim());
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return undefined;
  return { traceId: m[1]!, spanId: m[2]!, traceFlags: Number.parseInt(m[3]!, 16) & 1, isRemote: true };
}

function hrTime(ms: number): [number, number] {
  const whole = Math.floor(ms);
  return [Math.floor(whole / 1000), (whole % 1000) * 1_000_000 + Math.round((ms - whole) * 1_000_000)];
}

/**
 * The gateway's server span for one access-log line: the trace and span ids nginx put in `traceparent`,
 * no parent (the edge starts every trace), ending at the line's timestamp and lasting its request time.
 * A well-formed incoming traceparent becomes a link, never a parent.
 */
export function gatewaySpan(
  entry: AccessLogEntry,
  resource: Resource,
  scope: InstrumentationScope,
): ReadableSpan {
  const q = entry.uri.indexOf('?');
  const path = q === -1 ? entry.uri : entry.uri.slice(0, q);
  const route = KNOWN_ROUTES.includes(path) ? path : undefined;
  const durationMs = entry.requestTime * 1000;
  const startMs = entry.endMs - durationMs;
  const context: SpanContext = {
    traceId: entry.traceId,
    spanId: entry.spanId,
    traceFlags: TraceFlags.SAMPLED,
  };
  const attributes: Record<string, string | number> = {
    [SpanAttr.httpRequestMethod]: entry.method,
    [SpanAttr.urlPath]: path,
    [SpanAttr.urlScheme]: 'http',
    [SpanAttr.httpResponseStatusCode]: entry.status,
    [SpanAttr.serverAddress]: entry.host,
    [SpanAttr.clientAddress]: entry.remoteAddr,
    [SpanAttr.userAgentOriginal]: entry.userAgent,
    [SpanAttr.requestId]: entry.requestId,
    'http.request.size': entry.requestLength,
    'http.response.size': entry.bytesSent,
  };
  if (route) attributes[SpanAttr.httpRoute] = route;
  if (entry.protocol.startsWith('HTTP/'))
    attributes[SpanAttr.networkProtocolVersion] = entry.protocol.slice(5);
  if (entry.upstreamStatus !== '' && entry.upstreamStatus !== '-') {
    attributes['nginx.upstream.status'] = entry.upstreamStatus;
    attributes['nginx.upstream.address'] = entry.upstreamAddr;
  }
  if (entry.upstreamResponseTime !== undefined) {
    attributes['nginx.upstream.response_time'] = entry.upstreamResponseTime;
  }
  const error = entry.status >= 500;
  if (error) attributes[SpanAttr.errorType] = String(entry.status);
  const links: Link[] = [];
  const incoming = parseTraceparent(entry.incomingTraceparent);
  if (incoming)
    links.push({
      context: incoming,
      attributes: { 'opsight.link.reason': 'untrusted_incoming_traceparent' },
    });
  return {
    name: route ? `${entry.method} ${route}` : entry.method,
    kind: SpanKind.SERVER,
    spanContext: () => context,
    parentSpanContext: undefined,
    startTime: hrTime(startMs),
    endTime: hrTime(entry.endMs),
    duration: hrTime(durationMs),
    status: error ? { code: SpanStatusCode.ERROR } : { code: SpanStatusCode.UNSET },
    attributes,
    links,
    events: [],
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}
