// OTLP/JSON → encoded ExportTraceServiceRequest. OTLP/JSON differs from the protobuf JSON mapping in that
// trace and span ids are hex strings; keys are lowerCamelCase (snake_case is accepted too), 64-bit integers
// may be strings or numbers, and enums are integers.
import { OtlpDecodeError } from './ingest-batch.js';
import { otlpTypes, spanKindNames, statusCodeNames } from './otlp-schema.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const idFields = new Set(['traceId', 'spanId', 'parentSpanId']);

function camel(key: string): string {
  return key.includes('_') ? key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) : key;
}

function hexToBytes(value: Json, path: string): Uint8Array {
  if (typeof value !== 'string' || value.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(value)) {
    throw new OtlpDecodeError(`invalid JSON at ${path}: ids must be hex strings`, path);
  }
  return Buffer.from(value, 'hex');
}

function enumNumber(names: readonly string[], value: string, path: string): number {
  const index = names.indexOf(value);
  if (index < 0) throw new OtlpDecodeError(`invalid JSON at ${path}: unknown enum value ${value}`, path);
  return index;
}

function normalize(value: Json, path: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => normalize(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [rawKey, v] of Object.entries(value)) {
    const key = camel(rawKey);
    const p = path ? `${path}.${key}` : key;
    if (idFields.has(key)) out[key] = hexToBytes(v, p);
    else if (key === 'kind' && typeof v === 'string') out[key] = enumNumber(spanKindNames, v, p);
    else if (key === 'code' && typeof v === 'string') out[key] = enumNumber(statusCodeNames, v, p);
    else out[key] = normalize(v, p);
  }
  return out;
}

/** Parses an OTLP/JSON body into the protobuf encoding of the same request. */
export function otlpJsonToProtobuf(text: string): Uint8Array {
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch (error) {
    throw new OtlpDecodeError(`invalid JSON: ${(error as Error).message}`, 'body');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new OtlpDecodeError('invalid JSON: the body must be an object', 'body');
  }
  const normalized = normalize(parsed, '') as Record<string, unknown>;
  const resourceSpans = normalized.resourceSpans;
  if (resourceSpans !== undefined && !Array.isArray(resourceSpans)) {
    throw new OtlpDecodeError('invalid JSON: resourceSpans must be an array', 'resourceSpans');
  }
  try {
    return otlpTypes.request.encode(otlpTypes.request.fromObject(normalized)).finish();
  } catch (error) {
    throw new OtlpDecodeError(`invalid JSON: ${(error as Error).message}`, 'resourceSpans');
  }
}
