// OTLP's AnyValue (attribute values, log bodies) converted to and from plain JS values. Reads every form a
// decoder hands over: protobufjs messages (64-bit integers as Long, bytes as Uint8Array, defaults
// inherited from the prototype), protobufjs `toObject` output, and OTLP/JSON (integers as decimal
// strings, bytes as base64).

/** A 64-bit integer as decoders give it: a protobufjs Long, a number or a decimal string. */
export type Int64 = number | string | { high: number; low: number; unsigned?: boolean };

/** An OTLP AnyValue: at most one member is set. */
export interface AnyValue {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: Int64 | null;
  doubleValue?: number | null;
  arrayValue?: { values?: AnyValue[] | null } | null;
  kvlistValue?: { values?: KeyValue[] | null } | null;
  /** Raw bytes, or base64 in OTLP/JSON. */
  bytesValue?: Uint8Array | string | null;
}

/** An OTLP KeyValue: one attribute. */
export interface KeyValue {
  key: string;
  value?: AnyValue | null;
}

const ANY_VALUE_FIELDS = [
  'stringValue',
  'boolValue',
  'intValue',
  'doubleValue',
  'arrayValue',
  'kvlistValue',
  'bytesValue',
] as const;

/** The members of AnyValue's oneof. */
export type AnyValueField = (typeof ANY_VALUE_FIELDS)[number];

/**
 * Which member of AnyValue's oneof is set, or null for an empty value. Decoded protobufjs messages inherit
 * defaults for every member from their prototype, so only own, non-null properties count.
 */
export function anyValueField(value: AnyValue | null | undefined): AnyValueField | null {
  if (!value) return null;
  for (const field of ANY_VALUE_FIELDS) {
    if (Object.hasOwn(value, field) && value[field] !== null && value[field] !== undefined) return field;
  }
  return null;
}

/**
 * A 64-bit integer as bigint.
 *
 * @param unsigned read a Long's bits as unsigned (fixed64 fields) unless the Long says otherwise;
 * `false` for int64 fields such as `intValue`. @default true
 */
export function int64ToBigInt(value: Int64 | null | undefined, unsigned = true): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  if (typeof value === 'string') return BigInt(value);
  const u = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  if (!unsigned && !value.unsigned && value.high < 0) return u - (1n << 64n);
  return u;
}

/**
 * A JSON-friendly JS value: strings, booleans and doubles as they are; integers as numbers when safe,
 * else as decimal strings; arrays as arrays; key/value lists as objects; bytes as base64; an empty value
 * as null.
 */
export function anyValueToJs(value: AnyValue | null | undefined): unknown {
  switch (anyValueField(value)) {
    case 'stringValue':
      return value!.stringValue;
    case 'boolValue':
      return value!.boolValue;
    case 'intValue': {
      const n = int64ToBigInt(value!.intValue, false);
      return Number.isSafeInteger(Number(n)) ? Number(n) : n.toString();
    }
    case 'doubleValue':
      return value!.doubleValue;
    case 'arrayValue':
      return (value!.arrayValue!.values ?? []).map(anyValueToJs);
    case 'kvlistValue': {
      const out: Record<string, unknown> = {};
      for (const kv of value!.kvlistValue!.values ?? []) out[kv.key ?? ''] = anyValueToJs(kv.value);
      return out;
    }
    case 'bytesValue':
      return bytesBase64(value!.bytesValue!);
    default:
      return null;
  }
}

/**
 * The AnyValue of a JS value: strings, booleans, integers (number or bigint) and other numbers, bytes,
 * arrays and plain objects (as key/value lists); null and undefined give an empty value.
 */
export function toAnyValue(value: unknown): AnyValue {
  if (value === null || value === undefined) return {};
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'bigint') return { intValue: value.toString() };
  if (typeof value === 'number')
    return Number.isInteger(value) ? { intValue: value } : { doubleValue: value };
  if (value instanceof Uint8Array) return { bytesValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(toAnyValue) } };
  if (typeof value === 'object')
    return { kvlistValue: { values: toKeyValues(value as Record<string, unknown>) } };
  throw new TypeError(`no OTLP AnyValue for a ${typeof value}`);
}

/** The attribute list of a plain object, in its key order. */
export function toKeyValues(attributes: Record<string, unknown>): KeyValue[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: toAnyValue(value) }));
}

function bytesBase64(bytes: Uint8Array | string): string {
  return typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('base64');
}
