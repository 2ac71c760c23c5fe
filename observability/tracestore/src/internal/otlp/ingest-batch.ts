// An OTLP export request cut into what the store keeps: resources, scopes and spans (each kept as the bytes
// that arrived), with the indexed fields read out and the invalid spans counted with their reasons.
import { int64ToBigInt } from '@opsight/contracts/codecs';
import protobuf from 'protobufjs';
import { findAttribute, valueText } from './attribute-values.js';
import type { KeyValue, ResourceMessage, SpanMessage } from './otlp-model.js';

import { otlpTypes } from './otlp-schema.js';
import { type SpanLimits, validateSpan } from './validate-span.js';

export interface IngestResource {
  /** Encoded `Resource` message. */
  bytes: Buffer;
  schemaUrl: string;
  serviceName: string;
}

export interface IngestScope {
  /** Encoded `InstrumentationScope` message. */
  bytes: Buffer;
  schemaUrl: string;
}

export interface IngestSpan {
  traceId: Buffer;
  spanId: Buffer;
  parentSpanId: Buffer | null;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  statusCode: number;
  httpStatus: number | null;
  modelName: string | null;
  requestId: string | null;
  resourceIndex: number;
  scopeIndex: number;
  /** Encoded `Span` message, exactly as received. */
  bytes: Buffer;
}

export interface IngestBatch {
  resources: IngestResource[];
  scopes: IngestScope[];
  spans: IngestSpan[];
  rejected: number;
  /** One line per distinct rejection reason, with the first offending span's path. */
  rejectReasons: string[];
}

/** Thrown when the request body is not a decodable OTLP message; `field` names where decoding stopped. */
export class OtlpDecodeError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

const httpStatusKeys = ['http.response.status_code', 'http.status_code'];
const modelKeys = ['gen_ai.request.model', 'model_name', 'gen_ai.response.model'];
const requestIdKeys = ['request_id', 'http.request.header.x-request-id', 'http.request_id'];

function firstText(attributes: KeyValue[] | undefined, keys: string[]): string | null {
  for (const key of keys) {
    const text = valueText(findAttribute(attributes, key));
    if (text !== undefined && text !== '') return text;
  }
  return null;
}

function fields(buf: Uint8Array, path: string, onField: (field: number, bytes: Buffer) => void): void {
  const reader = protobuf.Reader.create(buf);
  try {
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const field = tag >>> 3;
      const wireType = tag & 7;
      if (field === 0) throw new Error('field number 0');
      if (wireType === 2) {
        const length = reader.uint32();
        const start = reader.pos;
        reader.skip(length);
        onField(field, Buffer.from(buf.buffer, buf.byteOffset + start, length));
      } else {
        reader.skipType(wireType);
      }
    }
  } catch (error) {
    if (error instanceof OtlpDecodeError) throw error;
    throw new OtlpDecodeError(`invalid protobuf at ${path}: ${(error as Error).message}`, path);
  }
}

function decodeMessage<T>(type: protobuf.Type, bytes: Buffer, path: string): T {
  try {
    return type.decode(bytes) as unknown as T;
  } catch (error) {
    throw new OtlpDecodeError(`invalid protobuf at ${path}: ${(error as Error).message}`, path);
  }
}

/** Cuts an encoded `ExportTraceServiceRequest` into an ingest batch; throws OtlpDecodeError on bad bytes. */
export function decodeExportRequest(body: Uint8Array, limits: SpanLimits): IngestBatch {
  const batch: IngestBatch = { resources: [], scopes: [], spans: [], rejected: 0, rejectReasons: [] };
  const reasons = new Map<string, string>();
  let rsIndex = 0;
  fields(body, 'resourceSpans', (field, rsBytes) => {
    if (field !== 1) return;
    const rsPath = `resourceSpans[${rsIndex++}]`;
    let resourceBytes: Buffer = Buffer.alloc(0);
    let schemaUrl = '';
    const scopeSpans: Buffer[] = [];
    fields(rsBytes, rsPath, (f, bytes) => {
      if (f === 1) resourceBytes = bytes;
      else if (f === 2) scopeSpans.push(bytes);
      else if (f === 3) schemaUrl = bytes.toString('utf8');
    });
    const resource = decodeMessage<ResourceMessage>(otlpTypes.resource, resourceBytes, `${rsPath}.resource`);
    const serviceName = valueText(findAttribute(resource.attributes, 'service.name')) || 'unknown_service';
    const resourceIndex = batch.resources.push({ bytes: resourceBytes, schemaUrl, serviceName }) - 1;
    scopeSpans.forEach((ssBytes, ssIndex) => {
      const ssPath = `${rsPath}.scopeSpans[${ssIndex}]`;
      let scopeBytes: Buffer = Buffer.alloc(0);
      let scopeSchemaUrl = '';
      const spans: Buffer[] = [];
      fields(ssBytes, ssPath, (f, bytes) => {
        if (f === 1) scopeBytes = bytes;
        else if (f === 2) spans.push(bytes);
        else if (f === 3) scopeSchemaUrl = bytes.toString('utf8');
      });
      decodeMessage(otlpTypes.scope, scopeBytes, `${ssPath}.scope`);
      const scopeIndex = batch.scopes.push({ bytes: scopeBytes, schemaUrl: scopeSchemaUrl }) - 1;
      spans.forEach((spanBytes, spanIndex) => {
        const path = `${ssPath}.spans[${spanIndex}]`;
        const span = decodeMessage<SpanMessage>(otlpTypes.span, spanBytes, path);
        const invalid = validateSpan(span, spanBytes.length, limits);
        if (invalid) {
          batch.rejected++;
          if (!reasons.has(invalid.reason)) reasons.set(invalid.reason, `${path}.${invalid.field}`);
          return;
        }
        const parent =
          span.parentSpanId && span.parentSpanId.length === 8 ? Buffer.from(span.parentSpanId) : null;
        const startNs = int64ToBigInt(span.startTimeUnixNano);
        const httpStatus = Number(firstText(span.attributes, httpStatusKeys));
        batch.spans.push({
          traceId: Buffer.from(span.traceId),
          spanId: Buffer.from(span.spanId),
          parentSpanId: parent?.some((b) => b !== 0) ? parent : null,
          name: span.name ?? '',
          kind: span.kind ?? 0,
          startNs,
          endNs: int64ToBigInt(span.endTimeUnixNano),
          statusCode: span.status?.code ?? 0,
          httpStatus: Number.isInteger(httpStatus) && httpStatus > 0 ? httpStatus : null,
          modelName: firstText(span.attributes, modelKeys),
          requestId: firstText(span.attributes, requestIdKeys),
          resourceIndex,
          scopeIndex,
          bytes: spanBytes,
        });
      });
    });
  });
  for (const [reason, field] of reasons) batch.rejectReasons.push(`${reason} (first at ${field})`);
  return batch;
}
