// Stored traces → the JSON of Jaeger's query API (the "UI model" used by the Jaeger UI and Grafana's Jaeger
// data source), translated from OTLP the way Jaeger translates it: resources become processes, events
// become logs, the parent becomes a CHILD_OF reference and links FOLLOWS_FROM references, and span kind,
// status and scope become tags (`span.kind`, `otel.status_code`, `error`, `otel.scope.name`, …).
import { anyValueField, anyValueToJs, int64ToBigInt } from '@opsight/contracts/codecs';
import type { AnyValue, KeyValue } from '../otlp/otlp-model.js';
import type { DecodedTrace } from './decoded-trace.js';

export interface JaegerKeyValue {
  key: string;
  type: 'string' | 'bool' | 'int64' | 'float64' | 'binary';
  value: string | boolean | number;
}

export interface JaegerReference {
  refType: 'CHILD_OF' | 'FOLLOWS_FROM';
  traceID: string;
  spanID: string;
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  flags: number;
  operationName: string;
  references: JaegerReference[];
  startTime: number;
  duration: number;
  tags: JaegerKeyValue[];
  logs: { timestamp: number; fields: JaegerKeyValue[] }[];
  processID: string;
  warnings: string[] | null;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: JaegerKeyValue[] }>;
  warnings: string[] | null;
}

/** Jaeger's trace id text: 16 hex digits when the high half is zero, else 32. */
export function jaegerTraceId(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('hex');
  return text.startsWith('0000000000000000') ? text.slice(16) : text;
}

function spanIdText(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Jaeger's lower-case span kind names, indexed by OTLP kind number. */
export const jaegerSpanKinds = ['', 'internal', 'server', 'client', 'producer', 'consumer'] as const;

function keyValue(key: string, value: AnyValue | null | undefined): JaegerKeyValue {
  switch (anyValueField(value)) {
    case 'stringValue':
      return { key, type: 'string', value: value!.stringValue! };
    case 'boolValue':
      return { key, type: 'bool', value: value!.boolValue! };
    case 'intValue': {
      const n = int64ToBigInt(value!.intValue, false);
      const asNumber = Number(n);
      return { key, type: 'int64', value: Number.isSafeInteger(asNumber) ? asNumber : n.toString() };
    }
    case 'doubleValue':
      return { key, type: 'float64', value: value!.doubleValue! };
    case 'bytesValue':
      return { key, type: 'binary', value: Buffer.from(value!.bytesValue!).toString('base64') };
    case null:
      return { key, type: 'string', value: '' };
    default:
      return { key, type: 'string', value: JSON.stringify(anyValueToJs(value)) };
  }
}

function tags(attributes: KeyValue[] | undefined): JaegerKeyValue[] {
  return (attributes ?? []).map((kv) => keyValue(kv.key, kv.value));
}

function micros(ns: bigint): number {
  return Number(ns / 1000n);
}

export function jaegerTrace(trace: DecodedTrace): JaegerTrace {
  const traceID = jaegerTraceId(trace.traceId);
  const processIds = new Map<number, string>();
  const processes: JaegerTrace['processes'] = {};
  const spans: JaegerSpan[] = [];
  for (const { stored, message } of trace.spans) {
    let processID = processIds.get(stored.resourceId);
    if (!processID) {
      processID = `p${processIds.size + 1}`;
      processIds.set(stored.resourceId, processID);
      const resource = trace.resources.get(stored.resourceId)!;
      processes[processID] = {
        serviceName: resource.service,
        tags: tags(resource.message.attributes?.filter((kv) => kv.key !== 'service.name')),
      };
    }
    const references: JaegerReference[] = [];
    if (message.parentSpanId && message.parentSpanId.length === 8) {
      references.push({ refType: 'CHILD_OF', traceID, spanID: spanIdText(message.parentSpanId) });
    }
    for (const link of message.links ?? []) {
      references.push({
        refType: 'FOLLOWS_FROM',
        traceID: jaegerTraceId(link.traceId ?? new Uint8Array(16)),
        spanID: spanIdText(link.spanId ?? new Uint8Array(8)),
      });
    }
    const spanTags = tags(message.attributes);
    const scope = trace.scopes.get(stored.scopeId)?.message;
    if (scope?.name) spanTags.push({ key: 'otel.scope.name', type: 'string', value: scope.name });
    if (scope?.version) spanTags.push({ key: 'otel.scope.version', type: 'string', value: scope.version });
    const kindName = jaegerSpanKinds[message.kind ?? 0];
    if (kindName) spanTags.push({ key: 'span.kind', type: 'string', value: kindName });
    const code = message.status?.code ?? 0;
    if (code === 1) spanTags.push({ key: 'otel.status_code', type: 'string', value: 'OK' });
    if (code === 2) {
      spanTags.push({ key: 'otel.status_code', type: 'string', value: 'ERROR' });
      spanTags.push({ key: 'error', type: 'bool', value: true });
    }
    if (message.status?.message) {
      spanTags.push({ key: 'otel.status_description', type: 'string', value: message.status.message });
    }
    if (message.traceState)
      spanTags.push({ key: 'w3c.tracestate', type: 'string', value: message.traceState });
    const startNs = int64ToBigInt(message.startTimeUnixNano);
    spans.push({
      traceID,
      spanID: spanIdText(message.spanId),
      flags: (message.flags ?? 0) & 0xff || 1,
      operationName: message.name ?? '',
      references,
      startTime: micros(startNs),
      duration: micros(int64ToBigInt(message.endTimeUnixNano) - startNs),
      tags: spanTags,
      logs: (message.events ?? []).map((event) => ({
        timestamp: micros(int64ToBigInt(event.timeUnixNano)),
        // Like Jaeger, the event name becomes an `event` field unless an attribute already has that key.
        fields:
          event.name && !event.attributes?.some((kv) => kv.key === 'event')
            ? [{ key: 'event', type: 'string', value: event.name }, ...tags(event.attributes)]
            : tags(event.attributes),
      })),
      processID,
      warnings: null,
    });
  }
  return { traceID, spans, processes, warnings: trace.warnings.length > 0 ? [...trace.warnings] : null };
}
