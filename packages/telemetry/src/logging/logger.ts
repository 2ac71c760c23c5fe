import { format } from 'node:util';
import { context, INVALID_TRACEID, trace } from '@opentelemetry/api';
import type { LogLevel } from '@opsight/catalog';
import pino, { type DestinationStream, type LevelWithSilent } from 'pino';
import { getRequestContext } from '../context/request-context.js';
import { copyFields, fieldName, sanitizeString, sanitizeValue } from './sanitize.js';

/** A log method: `log('text')`, `log('text %s', arg)`, `log({ fields }, 'text')`, `log(error, 'text')`. */
export interface LogFn {
  (message: string, ...args: unknown[]): void;
  (fields: object, message?: string, ...args: unknown[]): void;
}

/** The SDK's logger: one JSON line per event, strategy fields first. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  /** A logger whose lines all carry `bindings` (secrets removed like any field). */
  child(bindings: Record<string, unknown>): Logger;
  isLevelEnabled(level: string): boolean;
}

/** Level names accepted in options and `LOG_LEVEL`. */
export type LoggerLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface LoggerOptions {
  /** Written as `service` on every line. */
  service: string;
  /** Lowest level written. @default 'info' */
  level?: LoggerLevel;
  /** Where lines go. @default an asynchronous (non-blocking) destination on stdout */
  destination?: DestinationStream;
  /** Longer string values are truncated (after redaction). @default 8192 */
  maxFieldLength?: number;
}

const LEVEL_LABEL: Record<number, LogLevel> = {
  10: 'DEBUG',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'ERROR',
};
const LEVELS: readonly string[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** Checks a level name; throws a clear error for anything else. */
export function parseLogLevel(value: string, source: string): LoggerLevel {
  const level = value.trim().toLowerCase();
  if (!LEVELS.includes(level)) {
    throw new Error(`invalid ${source}=${JSON.stringify(value)}: expected one of ${LEVELS.join(', ')}`);
  }
  return level as LoggerLevel;
}

let lastMs = -1;
let lastIso = '';
function isoNow(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}

/**
 * Creates a logger on pino.
 *
 * Field order: pino writes the level formatter's object, then the time string, then child bindings,
 * then the event object. The level formatter returns `{}` (so a line opens with `{`), the log-method hook
 * records the call's level, and the time function writes `"timestamp":…,"level":…,"service":…`; the hook then
 * hands pino one object with `message`, the context fields and the sanitized event fields, in that order.
 * Everything a caller passes goes through the sanitizer, so no call site can skip redaction.
 */
export function createLogger(options: LoggerOptions): Logger {
  const maxLength = options.maxFieldLength ?? 8192;
  let callLevel: LogLevel = 'INFO';
  const service = `"service":${JSON.stringify(options.service)}`;
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
  const root = pino(
    {
      level: (options.level ?? 'info') as LevelWithSilent,
      base: null,
      messageKey: 'message',
      errorKey: 'error',
      timestamp: () => `"timestamp":"${isoNow()}","level":"${callLevel}",${service}`,
      formatters: { level: () => ({}) },
      serializers: { err: (value: unknown) => value },
      hooks: {
        logMethod(args, method, level) {
          callLevel = LEVEL_LABEL[level] ?? 'INFO';
          method.call(this, buildRecord(args as unknown[], maxLength) as never);
        },
      },
    },
    destination,
  );
  // Child bindings go through the sanitizer too. Children are created with Object.create(parent), so this
  // own property of the root is what every descendant's `child` resolves to.
  const pinoChild = Object.getPrototypeOf(root).child as (
    this: unknown,
    bindings: object,
    options?: object,
  ) => unknown;
  Object.defineProperty(root, 'child', {
    value: function child(
      this: unknown,
      bindings: Record<string, unknown>,
      childOptions?: { level?: string },
    ) {
      const level = childOptions?.level;
      return pinoChild.call(this, sanitizeBindings(bindings ?? {}, maxLength), level ? { level } : undefined);
    },
  });
  return root as unknown as Logger;
}

function sanitizeBindings(bindings: Record<string, unknown>, maxLength: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const safe = sanitizeValue(bindings, maxLength) as Record<string, unknown>;
  for (const [key, value] of Object.entries(safe)) out[fieldName(key)] = value;
  return out;
}

function buildRecord(args: unknown[], maxLength: number): Record<string, unknown> {
  const first = args[0];
  let fields: object | undefined;
  let message: unknown;
  if (typeof first === 'string') {
    message = args.length > 1 ? format(first, ...args.slice(1)) : first;
  } else if (first instanceof Error) {
    fields = { error: first };
    message = typeof args[1] === 'string' ? format(args[1], ...args.slice(2)) : first.message;
  } else if (first !== null && typeof first === 'object') {
    fields = first;
    const own = (first as { message?: unknown }).message;
    message =
      typeof args[1] === 'string' ? format(args[1], ...args.slice(2)) : typeof own === 'string' ? own : '';
  } else {
    message = first === undefined ? '' : String(first);
  }
  const record: Record<string, unknown> = { message: sanitizeString(String(message), maxLength) };

  const ctx = context.active();
  const spanContext = trace.getSpan(ctx)?.spanContext();
  if (spanContext && spanContext.traceId !== INVALID_TRACEID) {
    record.trace_id = spanContext.traceId;
    record.span_id = spanContext.spanId;
  }
  const request = getRequestContext(ctx);
  if (request) {
    record.request_id = request.requestId;
    if (request.userId !== undefined) record.user_id = request.userId;
  }
  if (fields) {
    const skip = (fields as { message?: unknown }).message === message ? 'message' : undefined;
    copyFields(record, fields, maxLength, skip);
  }
  return record;
}
