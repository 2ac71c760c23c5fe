// Stored traces → OTLP/JSON (`TracesData`), the body of Jaeger v2's /api/v3 trace responses: ids in hex,
// 64-bit integers as decimal strings, enums as integers, bytes in base64, fields with default values left out.

import { anyValueField, int64ToBigInt } from '@opsight/contracts/codecs';
import type { AnyValue, EventMessage, KeyValue, LinkMessage, SpanMessage } from '../otlp/otlp-model.js';
import type { DecodedTrace } from './decoded-trace.js';

export type JsonObject = Record<string, unknown>;

function hex(bytes: Uint8Array | undefined | null): string {
  return bytes ? Buffer.from(bytes).toString('hex') : '';
}

export function anyValueJson(value: AnyValue | null | undefined): JsonObject {
  switch (anyValueField(value)) {
    case 'stringValue':
      return { stringValue: value!.stringValue };
    case 'boolValue':
      return { boolValue: value!.boolValue };
    case 'intValue':
      return { intValue: int64ToBigInt(value!.intValue, false).toString() };
    case 'doubleValue':
      return { doubleValue: value!.doubleValue };
    case 'arrayValue':
      return { arrayValue: { values: (value!.arrayValue!.values ?? []).map(anyValueJson) } };
    case 'kvlistValue':
      return { kvlistValue: { values: attributesJson(value!.kvlistValue!.values ?? []) } };
    case 'bytesValue':
      return { bytesValue: Buffer.from(value!.bytesValue!).toString('base64') };
    default:
      return {};
  }
}

export function attributesJson(attributes: KeyValue[] | undefined): JsonObject[] {
  return (attributes ?? []).map((kv) => ({ key: kv.key, value: anyValueJson(kv.value) }));
}

function withAttributes(
  out: JsonObject,
  attributes: KeyValue[] | undefined,
  dropped: number | undefined,
): JsonObject {
  if (attributes && attributes.length > 0) out.attributes = attributesJson(attributes);
  if (dropped) out.droppedAttributesCount = dropped;
  return out;
}

function eventJson(event: EventMessage): JsonObject {
  const out: JsonObject = {
    timeUnixNano: int64ToBigInt(event.timeUnixNano).toString(),
    name: event.name ?? '',
  };
  return withAttributes(out, event.attributes, event.droppedAttributesCount);
}

function linkJson(link: LinkMessage): JsonObject {
  const out: JsonObject = { traceId: hex(link.traceId), spanId: hex(link.spanId) };
  if (link.traceState) out.traceState = link.traceState;
  withAttributes(out, link.attributes, link.droppedAttributesCount);
  if (link.flags) out.flags = link.flags;
  return out;
}

export function spanJson(span: SpanMessage): JsonObject {
  const out: JsonObject = { traceId: hex(span.traceId), spanId: hex(span.spanId) };
  if (span.traceState) out.traceState = span.traceState;
  if (span.parentSpanId && span.parentSpanId.length > 0) out.parentSpanId = hex(span.parentSpanId);
  if (span.flags) out.flags = span.flags;
  out.name = span.name ?? '';
  out.kind = span.kind ?? 0;
  out.startTimeUnixNano = int64ToBigInt(span.startTimeUnixNano).toString();
  out.endTimeUnixNano = int64ToBigInt(span.endTimeUnixNano).toString();
  withAttributes(out, span.attributes, span.droppedAttributesCount);
  if (span.events && span.events.length > 0) out.events = span.events.map(eventJson);
  if (span.droppedEventsCount) out.droppedEventsCount = span.droppedEventsCount;
  if (span.links && span.links.length > 0) out.links = span.links.map(linkJson);
  if (span.droppedLinksCount) out.droppedLinksCount = span.droppedLinksCount;
  const status: JsonObject = {};
  if (span.status?.message) status.message = span.status.message;
  if (span.status?.code) status.code = span.status.code;
  out.status = status;
  return out;
}

/** Groups the spans of one or more traces by resource, then scope, as OTLP's `TracesData`. */
export function tracesDataJson(traces: DecodedTrace[]): { resourceSpans: JsonObject[] } {
  const resourceSpans: JsonObject[] = [];
  for (const trace of traces) {
    const byResource = new Map<number, Map<number, JsonObject[]>>();
    for (const { stored, message } of trace.spans) {
      let byScope = byResource.get(stored.resourceId);
      if (!byScope) {
        byScope = new Map();
        byResource.set(stored.resourceId, byScope);
      }
      let spans = byScope.get(stored.scopeId);
      if (!spans) {
        spans = [];
        byScope.set(stored.scopeId, spans);
      }
      spans.push(spanJson(message));
    }
    for (const [resourceId, byScope] of byResource) {
      const resource = trace.resources.get(resourceId)!;
      const scopeSpans: JsonObject[] = [];
      for (const [scopeId, spans] of byScope) {
        const scope = trace.scopes.get(scopeId)!;
        const scopeJson: JsonObject = {};
        if (scope.message.name) scopeJson.name = scope.message.name;
        if (scope.message.version) scopeJson.version = scope.message.version;
        withAttributes(scopeJson, scope.message.attributes, scope.message.droppedAttributesCount);
        const entry: JsonObject = { scope: scopeJson, spans };
        if (scope.schemaUrl) entry.schemaUrl = scope.schemaUrl;
        scopeSpans.push(entry);
      }
      const entry: JsonObject = {
        resource: withAttributes({}, resource.message.attributes, resource.message.droppedAttributesCount),
        scopeSpans,
      };
      if (resource.schemaUrl) entry.schemaUrl = resource.schemaUrl;
      resourceSpans.push(entry);
    }
  }
  return { resourceSpans };
}
