// Finished spans as plain data that can cross to a worker thread (structured clone), and back into the
// shape the OTLP serializer reads. Resources and instrumentation scopes are sent once per batch and
// referenced by index, so spans of one resource and scope stay grouped as the serializer groups them.
import type { Attributes, HrTime, Link, SpanContext, SpanKind, SpanStatus } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

interface WireContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
  traceState?: string;
  isRemote?: boolean;
}

export interface WireSpan {
  name: string;
  kind: SpanKind;
  context: WireContext;
  parent?: WireContext;
  startTime: HrTime;
  endTime: HrTime;
  attributes: Attributes;
  droppedAttributesCount: number;
  events: TimedEvent[];
  droppedEventsCount: number;
  links: { context: WireContext; attributes?: Attributes; droppedAttributesCount?: number }[];
  droppedLinksCount: number;
  status: SpanStatus;
  resource: number;
  scope: number;
}

/** A batch of spans on its way to the export worker. */
export interface WireBatch {
  resources: { attributes: Attributes; schemaUrl?: string }[];
  scopes: { name: string; version?: string; schemaUrl?: string }[];
  spans: WireSpan[];
}

function wireContext(context: SpanContext): WireContext {
  const wire: WireContext = {
    traceId: context.traceId,
    spanId: context.spanId,
    traceFlags: context.traceFlags,
  };
  const state = context.traceState?.serialize();
  if (state) wire.traceState = state;
  if (context.isRemote) wire.isRemote = true;
  return wire;
}

/** Turns finished spans into a batch that can be posted to a worker. */
export function toWire(spans: readonly ReadableSpan[]): WireBatch {
  const batch: WireBatch = { resources: [], scopes: [], spans: [] };
  const resources = new Map<unknown, number>();
  const scopes = new Map<unknown, number>();
  for (const span of spans) {
    let resource = resources.get(span.resource);
    if (resource === undefined) {
      resource = batch.resources.length;
      resources.set(span.resource, resource);
      batch.resources.push({ attributes: span.resource.attributes, schemaUrl: span.resource.schemaUrl });
    }
    let scope = scopes.get(span.instrumentationScope);
    if (scope === undefined) {
      scope = batch.scopes.length;
      scopes.set(span.instrumentationScope, scope);
      const { name, version, schemaUrl } = span.instrumentationScope;
      batch.scopes.push({ name, version, schemaUrl });
    }
    batch.spans.push({
      name: span.name,
      kind: span.kind,
      context: wireContext(span.spanContext()),
      parent: span.parentSpanContext ? wireContext(span.parentSpanContext) : undefined,
      startTime: span.startTime,
      endTime: span.endTime,
      attributes: span.attributes,
      droppedAttributesCount: span.droppedAttributesCount,
      events: span.events,
      droppedEventsCount: span.droppedEventsCount,
      links: span.links.map((link: Link) => ({
        context: wireContext(link.context),
        attributes: link.attributes,
        droppedAttributesCount: link.droppedAttributesCount,
      })),
      droppedLinksCount: span.droppedLinksCount,
      status: span.status,
      resource,
      scope,
    });
  }
  return batch;
}

function spanContextOf(wire: WireContext): SpanContext {
  const state = wire.traceState;
  return {
    traceId: wire.traceId,
    spanId: wire.spanId,
    traceFlags: wire.traceFlags,
    isRemote: wire.isRemote,
    traceState: state === undefined ? undefined : ({ serialize: () => state } as SpanContext['traceState']),
  };
}

/** Rebuilds, in the worker, the spans the OTLP serializer reads (what it reads, nothing more). */
export function fromWire(batch: WireBatch): ReadableSpan[] {
  const resources = batch.resources.map((r) => ({ attributes: r.attributes, schemaUrl: r.schemaUrl }));
  return batch.spans.map((wire) => {
    const context = spanContextOf(wire.context);
    return {
      name: wire.name,
      kind: wire.kind,
      spanContext: () => context,
      parentSpanContext: wire.parent ? spanContextOf(wire.parent) : undefined,
      startTime: wire.startTime,
      endTime: wire.endTime,
      attributes: wire.attributes,
      droppedAttributesCount: wire.droppedAttributesCount,
      events: wire.events,
      droppedEventsCount: wire.droppedEventsCount,
      links: wire.links.map((link) => ({ ...link, context: spanContextOf(link.context) })),
      droppedLinksCount: wire.droppedLinksCount,
      status: wire.status,
      resource: resources[wire.resource],
      instrumentationScope: batch.scopes[wire.scope],
      duration: [0, 0],
      ended: true,
    } as unknown as ReadableSpan;
  });
}
