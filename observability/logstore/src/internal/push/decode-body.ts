// A push body as it came over HTTP, and its decoding into streams: the one function the decode workers and
// the main thread (when there are no workers) run.

import { deriveEntryFields } from '../storage/entry-fields.js';
import { decodeOtlpLogs } from './decode-otlp.js';
import { decodePush, type RawStream } from './decode-push.js';

/** A push body, not yet decoded. */
export interface EncodedPush {
  /** The wire format: Loki's push API (JSON or snappy protobuf) or OTLP logs (JSON or protobuf). */
  format: 'loki' | 'otlp';
  body: Buffer;
  /** The Content-Type header. */
  contentType: string;
  /** The Content-Encoding header ('' when none). */
  contentEncoding: string;
  /** Largest decompressed body, bytes. */
  maxBytes: number;
}

/** Decodes a push body; throws PushDecodeError for a body that cannot be decoded. */
export function decodeBody(push: EncodedPush): RawStream[] {
  const decode = push.format === 'otlp' ? decodeOtlpLogs : decodePush;
  return decode(push.body, push.contentType, push.contentEncoding, push.maxBytes);
}

/**
 * Decodes a push body and derives what the storage needs of each entry (line hash, metadata JSON), so the
 * thread that decodes does that work too. Throws PushDecodeError for a body that cannot be decoded.
 */
export function decodeAndPrepare(push: EncodedPush): RawStream[] {
  const streams = decodeBody(push);
  for (const s of streams) for (const e of s.entries) e.derived = deriveEntryFields(e);
  return streams;
}
