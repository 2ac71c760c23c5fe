// Shapes of decoded OTLP messages as protobufjs produces them (64-bit integers as Long, bytes as Uint8Array).
import type Long from 'long';

export interface AnyValue {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: Long | number | null;
  doubleValue?: number | null;
  arrayValue?: { values?: AnyValue[] | null } | null;
  kvlistValue?: { values?: KeyValue[] | null } | null;
  bytesValue?: Uint8Array | null;
}

export interface KeyValue {
  key: string;
  value?: AnyValue | null;
}

export interface ResourceMessage {
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
}

export interface ScopeMessage {
  name?: string;
  version?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
}

export interface EventMessage {
  timeUnixNano?: Long | number;
  name?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
}

export interface LinkMessage {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  traceState?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
}

export interface SpanMessage {
  traceId: Uint8Array;
  spanId: Uint8Array;
  traceState?: string;
  parentSpanId?: Uint8Array;
  flags?: number;
  name: string;
  kind: number;
  startTimeUnixNano: Long | number;
  endTimeUnixNano: Long | number;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
  events?: EventMessage[];
  droppedEventsCount?: number;
  links?: LinkMessage[];
  droppedLinksCount?: number;
  status?: { message?: string; code?: number } | null;
}

/** Converts a protobufjs 64-bit value to bigint (fixed64 fields are unsigned). */
export function toBigInt(value: Long | number | string | null | undefined, unsigned = true): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  if (typeof value === 'string') return BigInt(value);
  const high = BigInt(value.high >>> 0);
  const low = BigInt(value.low >>> 0);
  const u = (high << 32n) | low;
  if (!unsigned && !value.unsigned && value.high < 0) return u - (1n << 64n);
  return u;
}

const anyValueFields = [
  'stringValue',
  'boolValue',
  'intValue',
  'doubleValue',
  'arrayValue',
  'kvlistValue',
  'bytesValue',
] as const;

export type AnyValueField = (typeof anyValueFields)[number];

/**
 * Which member of AnyValue's oneof is set. Decoded messages inherit defaults for every member from their
 * prototype, so only own, non-null properties count.
 */
export function anyValueField(value: AnyValue | null | undefined): AnyValueField | null {
  if (!value) return null;
  for (const field of anyValueFields) {
    if (Object.hasOwn(value, field) && value[field] !== null && value[field] !== undefined) return field;
  }
  return null;
}
