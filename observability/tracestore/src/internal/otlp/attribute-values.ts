// Reading OTLP attribute values: lookups by key and the plain string form used by indexes and tag search.
import type { AnyValue, KeyValue } from './otlp-model.js';
import { anyValueField, toBigInt } from './otlp-model.js';

/** Returns the value of the first attribute named `key`, or undefined. */
export function findAttribute(attributes: KeyValue[] | undefined, key: string): AnyValue | undefined {
  if (!attributes) return undefined;
  for (const kv of attributes) if (kv.key === key) return kv.value ?? undefined;
  return undefined;
}

/** The scalar text of a value (first element for arrays), as search and indexes compare it. */
export function valueText(value: AnyValue | null | undefined): string | undefined {
  switch (anyValueField(value)) {
    case 'stringValue':
      return value!.stringValue!;
    case 'boolValue':
      return String(value!.boolValue);
    case 'intValue':
      return toBigInt(value!.intValue, false).toString();
    case 'doubleValue':
      return String(value!.doubleValue);
    case 'arrayValue':
      return valueText(value!.arrayValue!.values?.[0]);
    case 'bytesValue':
      return Buffer.from(value!.bytesValue!).toString('base64');
    case 'kvlistValue':
      return JSON.stringify(anyValueToPlain(value));
    default:
      return undefined;
  }
}

/** A JSON-friendly rendering of a value (objects for key/value lists, arrays for arrays). */
export function anyValueToPlain(value: AnyValue | null | undefined): unknown {
  switch (anyValueField(value)) {
    case 'stringValue':
      return value!.stringValue;
    case 'boolValue':
      return value!.boolValue;
    case 'intValue': {
      const n = toBigInt(value!.intValue, false);
      return Number.isSafeInteger(Number(n)) ? Number(n) : n.toString();
    }
    case 'doubleValue':
      return value!.doubleValue;
    case 'arrayValue':
      return (value!.arrayValue!.values ?? []).map(anyValueToPlain);
    case 'kvlistValue': {
      const out: Record<string, unknown> = {};
      for (const kv of value!.kvlistValue!.values ?? []) out[kv.key] = anyValueToPlain(kv.value);
      return out;
    }
    case 'bytesValue':
      return Buffer.from(value!.bytesValue!).toString('base64');
    default:
      return null;
  }
}
