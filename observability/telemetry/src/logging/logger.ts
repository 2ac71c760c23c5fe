import { format } from 'node:util';
import { context, INVALID_TRACEID, trace } from '@opentelemetry/api';
import type { LogLevel } from '@opsight/catalog';
import type { DestinationStream } from 'pino';
import { getRequestContext } from '../context/request-context.js';
import { LineWriter } from './line-writer.js';
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

/** Thresholds of the level names; `silent` writes nothing. */
const LEVEL_VALUE: Record<LoggerLevel, number> = { debug: 20, info: 30, warn: 40, error: 50, silent: 1 / 0 };

/** What a logger and all its children share. */
interface LoggerRoot {
  /** The line's `"service":…` field (with the quote and comma closing the level before it), serialized once. */
  readonly service: string;
  readonly destination: DestinationStream;
  readonly maxLength: number;
}

/**
 * Creates the logger: one JSON line per event, written straight to the destination (any pino
 * `DestinationStream`; by default a LineWriter on stdout, which writes what it holds at exit).
 *
 * Field order: `timestamp`, `level`, `service`, the child bindings, then `message`, the context fields
 * (`trace_id`, `span_id`, `request_id`, `user_id`) and the sanitized event fields. A line is the fixed
 * prefix of its logger (service and bindings, serialized once when the logger is made) and one
 * `JSON.stringify` of the event's record: no per-line serializer pipeline, no per-line bindings work.
 * Everything a caller passes goes through the sanitizer, so no call site can skip redaction.
 */
export function createLogger(options: LoggerOptions): Logger {
  const root: LoggerRoot = {
    service: `","service":${JSON.stringify(options.service)}`,
    destination: options.destination ?? new LineWriter(),
    maxLength: options.maxFieldLength ?? 8192,
  };
  return makeLogger(root, '', options.level ?? 'info');
}

function makeLogger(root: LoggerRoot, bindings: string, level: LoggerLevel): Logger {
  const threshold = LEVEL_VALUE[level];
  const { destination, maxLength, service } = root;
  const method = (value: number, label: LogLevel): LogFn => {
    if (value < threshold) return noop;
    // `"service":…` and the bindings end the prefix; the record's `{` is replaced by the comma after them.
    const head = `","level":"${label}${service}${bindings},`;
    return (...args: unknown[]): void => {
      const record = JSON.stringify(buildRecord(args, maxLength));
      destination.write(`{"timestamp":"${isoNow()}${head}${record.slice(1)}\n`);
    };
  };
  return {
    debug: method(20, 'DEBUG'),
    info: method(30, 'INFO'),
    warn: method(40, 'WARN'),
    error: method(50, 'ERROR'),
    child(childBindings: Record<string, unknown>, childOptions?: { level?: LoggerLevel }): Logger {
      const safe = sanitizeBindings(childBindings ?? {}, maxLength);
      const json = JSON.stringify(safe);
      return makeLogger(
        root,
        json === '{}' ? bindings : `${bindings},${json.slice(1, -1)}`,
        childOptions?.level ?? level,
      );
    },
    isLevelEnabled(name: string): boolean {
      const value = LEVEL_VALUE[name as LoggerLevel];
      return value !== undefined && value !== LEVEL_VALUE.silent && value >= threshold;
    },
  };
}

function noop(): void {}

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
