import { isSecretKey, REDACTED, redactText } from './redaction.js';

const MAX_DEPTH = 8;
const MAX_ARRAY_ITEMS = 200;

/** Fields every line starts with; an event field of the same name is renamed `event_<name>`. */
const RESERVED = new Set(['timestamp', 'level', 'service', 'message']);

/** Makes a field name safe to write: reserved names are renamed. */
export function fieldName(key: string): string {
  return RESERVED.has(key) ? `event_${key}` : key;
}

/**
 * Returns a copy of a value that is safe to log: secrets removed by key and by value pattern, strings
 * truncated to `maxLength`, errors turned into `{ type, message, stack }`, cycles and depth cut.
 */
export function sanitizeValue(value: unknown, maxLength: number, depth = 0, ancestors?: unknown[]): unknown {
  switch (typeof value) {
    case 'string':
      return sanitizeString(value, maxLength);
    case 'number':
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return null;
  const seen = ancestors ?? [];
  if (depth >= MAX_DEPTH || seen.includes(value)) return '[Truncated]';
  if (value instanceof Error) return sanitizeError(value, maxLength, depth, seen);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (ArrayBuffer.isView(value)) return `[binary ${value.byteLength} bytes]`;
  seen.push(value);
  try {
    if (Array.isArray(value)) {
      const items = value.slice(0, MAX_ARRAY_ITEMS).map((v) => sanitizeValue(v, maxLength, depth + 1, seen));
      if (value.length > MAX_ARRAY_ITEMS) items.push(`[${value.length - MAX_ARRAY_ITEMS} more]`);
      return items;
    }
    if (value instanceof Map) return sanitizeEntries(value.entries(), maxLength, depth, seen);
    if (value instanceof Set) return sanitizeValue([...value], maxLength, depth, seen);
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return sanitizeValue(toJSON.call(value), maxLength, depth + 1, seen);
    return sanitizeEntries(Object.entries(value), maxLength, depth, seen);
  } finally {
    seen.pop();
  }
}

function sanitizeEntries(
  entries: Iterable<[unknown, unknown]>,
  maxLength: number,
  depth: number,
  seen: unknown[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    const key = String(k);
    out[key] = isSecretKey(key) && v != null ? REDACTED : sanitizeValue(v, maxLength, depth + 1, seen);
  }
  return out;
}

function sanitizeError(
  error: Error,
  maxLength: number,
  depth: number,
  seen: unknown[],
): Record<string, unknown> {
  seen.push(error);
  try {
    const out: Record<string, unknown> = {
      type: error.name || error.constructor?.name || 'Error',
      message: sanitizeValue(String(error.message), maxLength, depth + 1, seen),
    };
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') out.code = code;
    if (error.stack) out.stack = sanitizeValue(error.stack, maxLength, depth + 1, seen);
    if (error.cause !== undefined) out.cause = sanitizeValue(error.cause, maxLength, depth + 1, seen);
    return out;
  } finally {
    seen.pop();
  }
}

/** Redacts, then truncates to `maxLength`. */
export function sanitizeString(value: string, maxLength: number): string {
  const text = redactText(value);
  return text.length > maxLength ? truncate(text, maxLength) : text;
}

/**
 * Copies the fields of a log call into `record`, sanitized, with reserved names renamed. Fields already
 * in `record` (context fields) are overwritten in place, so a caller's explicit value wins.
 */
export function copyFields(
  record: Record<string, unknown>,
  fields: object,
  maxLength: number,
  skipKey?: string,
): void {
  if (
    fields instanceof Error ||
    fields instanceof Map ||
    Array.isArray(fields) ||
    typeof (fields as { toJSON?: unknown }).toJSON === 'function'
  ) {
    const safe = sanitizeValue(fields, maxLength);
    if (safe !== null && typeof safe === 'object' && !Array.isArray(safe)) {
      for (const key of Object.keys(safe)) record[fieldName(key)] = (safe as Record<string, unknown>)[key];
    }
    return;
  }
  for (const key in fields) {
    if (!Object.hasOwn(fields, key) || key === skipKey) continue;
    const value = (fields as Record<string, unknown>)[key];
    if (value === undefined) continue;
    record[fieldName(key)] =
      isSecretKey(key) && value !== null ? REDACTED : sanitizeValue(value, maxLength, 1);
  }
}

function truncate(text: string, maxLength: number): string {
  return `${text.slice(0, maxLength)}…[truncated ${text.length - maxLength} chars]`;
}
