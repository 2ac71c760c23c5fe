// Checks one decoded span against OTLP's rules and the store's size limits.
import { int64ToBigInt } from '@opsight/contracts/codecs';
import type { SpanMessage } from './otlp-model.js';

export interface SpanLimits {
  /** Largest encoded span accepted, in bytes. @default 1048576 */
  maxSpanBytes: number;
  /** Most attributes on one span (and on each of its events and links). @default 1024 */
  maxAttributes: number;
  /** Most events on one span. @default 1024 */
  maxEvents: number;
  /** Most links on one span. @default 1024 */
  maxLinks: number;
}

export const defaultSpanLimits: SpanLimits = {
  maxSpanBytes: 1024 * 1024,
  maxAttributes: 1024,
  maxEvents: 1024,
  maxLinks: 1024,
};

export interface SpanViolation {
  reason: string;
  field: string;
}

function isZero(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0) return false;
  return true;
}

function checkId(id: Uint8Array | undefined, length: number, field: string): SpanViolation | null {
  if (!id || id.length !== length) {
    return { reason: `${field} must be ${length} bytes, got ${id?.length ?? 0}`, field };
  }
  if (isZero(id)) return { reason: `${field} must not be all zeros`, field };
  return null;
}

/** Returns why the span cannot be stored, or null when it is valid. */
export function validateSpan(
  span: SpanMessage,
  encodedBytes: number,
  limits: SpanLimits,
): SpanViolation | null {
  if (encodedBytes > limits.maxSpanBytes) {
    return {
      reason: `span is ${encodedBytes} bytes, over the limit of ${limits.maxSpanBytes}`,
      field: 'span',
    };
  }
  const idProblem = checkId(span.traceId, 16, 'traceId') ?? checkId(span.spanId, 8, 'spanId');
  if (idProblem) return idProblem;
  const parent = span.parentSpanId;
  if (parent && parent.length !== 0 && parent.length !== 8) {
    return { reason: `parentSpanId must be empty or 8 bytes, got ${parent.length}`, field: 'parentSpanId' };
  }
  const start = int64ToBigInt(span.startTimeUnixNano);
  const end = int64ToBigInt(span.endTimeUnixNano);
  if (start === 0n) return { reason: 'startTimeUnixNano is required', field: 'startTimeUnixNano' };
  if (end < start) return { reason: 'endTimeUnixNano is before startTimeUnixNano', field: 'endTimeUnixNano' };
  if (start >= 1n << 63n || end >= 1n << 63n) {
    return { reason: 'timestamp is beyond the year 2262', field: 'endTimeUnixNano' };
  }
  const kind = span.kind ?? 0;
  if (!Number.isInteger(kind) || kind < 0 || kind > 5) {
    return { reason: `unknown span kind ${kind}`, field: 'kind' };
  }
  const code = span.status?.code ?? 0;
  if (!Number.isInteger(code) || code < 0 || code > 2) {
    return { reason: `unknown status code ${code}`, field: 'status.code' };
  }
  if ((span.attributes?.length ?? 0) > limits.maxAttributes) {
    return { reason: `more than ${limits.maxAttributes} attributes`, field: 'attributes' };
  }
  if ((span.events?.length ?? 0) > limits.maxEvents) {
    return { reason: `more than ${limits.maxEvents} events`, field: 'events' };
  }
  if ((span.links?.length ?? 0) > limits.maxLinks) {
    return { reason: `more than ${limits.maxLinks} links`, field: 'links' };
  }
  for (const [i, event] of (span.events ?? []).entries()) {
    if ((event.attributes?.length ?? 0) > limits.maxAttributes) {
      return { reason: `more than ${limits.maxAttributes} attributes on an event`, field: `events[${i}]` };
    }
  }
  for (const [i, link] of (span.links ?? []).entries()) {
    if ((link.attributes?.length ?? 0) > limits.maxAttributes) {
      return { reason: `more than ${limits.maxAttributes} attributes on a link`, field: `links[${i}]` };
    }
    const linkProblem =
      checkId(link.traceId, 16, `links[${i}].traceId`) ?? checkId(link.spanId, 8, `links[${i}].spanId`);
    if (linkProblem) return linkProblem;
  }
  return null;
}
