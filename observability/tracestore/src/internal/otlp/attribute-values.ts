// Reading OTLP attribute values: lookups by key and the plain string form used by indexes and tag search.
import {
  type AnyValue,
  anyValueField,
  anyValueToJs,
  int64ToBigInt,
  type KeyValue,
} from '@opsight/contracts/codecs';

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
      return int64ToBigInt(value!.intValue, false).toString();
    case 'doubleValue':
      return String(value!.doubleValue);
    case 'arrayValue':
      return valueText(value!.arrayValue!.values?.[0]);
    case 'bytesValue':
      return anyValueToJs(value) as string;
    case 'kvlistValue':
      return JSON.stringify(anyValueToJs(value));
    default:
      return undefined;
  }
}
