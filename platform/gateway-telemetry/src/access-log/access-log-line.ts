/**
 * One line of the gateway's JSON access log (the `opsight_json` format of platform/platform/gateway.conf.template),
 * parsed and checked. The format is a contract between the two: a field renamed there is a parse error here.
 */
export interface AccessLogEntry {
  /** End of the request, milliseconds since the epoch (nginx `$msec`). */
  endMs: number;
  /** 32 lower-case hex digits: the trace the gateway started. */
  traceId: string;
  /** 16 lower-case hex digits: the gateway's span, the parent id sent upstream. */
  spanId: string;
  requestId: string;
  remoteAddr: string;
  host: string;
  method: string;
  /** Path and query as the client sent them. */
  uri: string;
  protocol: string;
  status: number;
  /** Bytes received: request line, headers and body. */
  requestLength: number;
  /** Bytes sent: status line, headers and body. */
  bytesSent: number;
  /** Seconds from the first byte read to the last byte sent. */
  requestTime: number;
  upstreamAddr: string;
  /** Seconds spent on the upstream (summed over retries), or undefined when nginx answered alone. */
  upstreamResponseTime: number | undefined;
  upstreamStatus: string;
  userAgent: string;
  /** The client's own traceparent, never trusted (empty when none was sent). */
  incomingTraceparent: string;
}

/** Why a line was skipped. */
export type ParseErrorReason = 'invalid_json' | 'invalid_field' | 'truncated' | 'too_long';

/** Every reason, so each counter series exists from the start. */
export const PARSE_ERROR_REASONS: readonly ParseErrorReason[] = [
  'invalid_json',
  'invalid_field',
  'truncated',
  'too_long',
];

export type ParseResult =
  | { ok: true; entry: AccessLogEntry }
  | { ok: false; reason: ParseErrorReason; field?: string };

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

class FieldError extends Error {
  constructor(readonly field: string) {
    super(field);
  }
}

function str(o: Record<string, unknown>, field: string): string {
  const v = o[field];
  if (typeof v !== 'string') throw new FieldError(field);
  return v;
}

function num(o: Record<string, unknown>, field: string): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new FieldError(field);
  return v;
}

/** `$upstream_response_time`: "0.004", "0.002, 0.004" (retries), "-" or "" (no upstream). */
function upstreamTime(text: string): number | undefined {
  let sum = 0;
  let any = false;
  for (const part of text.split(/[,:]\s*/)) {
    const n = Number(part.trim());
    if (part.trim() !== '' && part.trim() !== '-' && Number.isFinite(n)) {
      sum += n;
      any = true;
    }
  }
  return any ? sum : undefined;
}

/** Parses one access-log line (without its newline). */
export function parseAccessLogLine(line: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'invalid_json' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: 'invalid_json' };
  }
  const o = value as Record<string, unknown>;
  try {
    const traceId = str(o, 'trace_id');
    if (!TRACE_ID.test(traceId) || traceId === ZERO_TRACE) throw new FieldError('trace_id');
    const spanId = str(o, 'span_id');
    if (!SPAN_ID.test(spanId) || spanId === ZERO_SPAN) throw new FieldError('span_id');
    const status = num(o, 'status');
    if (!Number.isInteger(status) || status < 100 || status > 999) throw new FieldError('status');
    const entry: AccessLogEntry = {
      endMs: Math.round(num(o, 'msec') * 1000),
      traceId,
      spanId,
      requestId: str(o, 'request_id'),
      remoteAddr: str(o, 'remote_addr'),
      host: str(o, 'host'),
      method: str(o, 'method'),
      uri: str(o, 'uri'),
      protocol: typeof o.protocol === 'string' ? o.protocol : '',
      status,
      requestLength: num(o, 'request_length'),
      bytesSent: num(o, 'bytes_sent'),
      requestTime: num(o, 'request_time'),
      upstreamAddr: typeof o.upstream_addr === 'string' ? o.upstream_addr : '',
      upstreamResponseTime: upstreamTime(str(o, 'upstream_response_time')),
      upstreamStatus: str(o, 'upstream_status'),
      userAgent: str(o, 'user_agent'),
      incomingTraceparent: typeof o.incoming_traceparent === 'string' ? o.incoming_traceparent : '',
    };
    return { ok: true, entry };
  } catch (error) {
    if (error instanceof FieldError) return { ok: false, reason: 'invalid_field', field: error.field };
    throw error;
  }
}
