// A stored trace with its span, resource and scope bytes decoded back into OTLP messages.
import type { ResourceMessage, ScopeMessage, SpanMessage } from '../otlp/otlp-model.js';
import { otlpTypes } from '../otlp/otlp-schema.js';
import type { StoredSpan, StoredTrace } from '../storage/span-store.js';

export interface DecodedSpan {
  stored: StoredSpan;
  message: SpanMessage;
}

export interface DecodedTrace {
  traceId: Buffer;
  spans: DecodedSpan[];
  resources: Map<number, { service: string; message: ResourceMessage; schemaUrl: string }>;
  scopes: Map<number, { message: ScopeMessage; schemaUrl: string }>;
  /** Spans of the trace stored and readable; more than `spans` when the trace was read with a limit. */
  storedSpans: number;
  /** Warnings about the trace as stored (spans dropped over the per-trace limit). */
  warnings: string[];
}

export function decodeTrace(trace: StoredTrace): DecodedTrace {
  const resources: DecodedTrace['resources'] = new Map();
  for (const [id, r] of trace.resources) {
    resources.set(id, {
      service: r.service,
      message: otlpTypes.resource.decode(r.data) as unknown as ResourceMessage,
      schemaUrl: r.schemaUrl,
    });
  }
  const scopes: DecodedTrace['scopes'] = new Map();
  for (const [id, s] of trace.scopes) {
    scopes.set(id, {
      message: otlpTypes.scope.decode(s.data) as unknown as ScopeMessage,
      schemaUrl: s.schemaUrl,
    });
  }
  const spans = trace.spans.map((stored) => ({
    stored,
    message: otlpTypes.span.decode(stored.data) as unknown as SpanMessage,
  }));
  return {
    traceId: trace.traceId,
    spans,
    resources,
    scopes,
    storedSpans: trace.storedSpans,
    warnings: [...trace.warnings],
  };
}
