// Decodes a push body (JSON or snappy-compressed protobuf, optionally gzip-encoded) into streams
// with their label sets still unparsed/unvalidated. Syntax errors here reject the whole request.

import snappy from 'snappyjs';
import type { Labels } from '../labels.js';
import type { DerivedEntryFields } from '../storage/entry-fields.js';
import { decodeContentEncoding, snappyUncompressBounded } from './decompress.js';
import { PushDecodeError } from './push-decode-error.js';
import { pushRequestType } from './push-proto.js';
import { decodePushRequest, WireError } from './push-wire.js';

export { PushDecodeError } from './push-decode-error.js';

export interface RawEntry {
  ts: bigint;
  line: string;
  metadata?: Labels;
  /** What the storage derives from the entry, when computed already (see Entry.derived). */
  derived?: DerivedEntryFields;
}

export interface RawStream {
  /** Labels as a parsed map (JSON) or Loki label syntax (protobuf). */
  labels: Labels | string;
  entries: RawEntry[];
}

/**
 * Largest decompressed body by default: the store's request body limit (64 MiB), so a small gzip
 * or snappy body cannot expand past what an uncompressed one may be.
 */
export const MAX_DECODED_BYTES = 64 * 1024 * 1024;

export function decodePush(
  body: Buffer,
  contentType: string,
  contentEncoding: string,
  maxBytes = MAX_DECODED_BYTES,
): RawStream[] {
  const raw = decodeContentEncoding(body, contentEncoding, maxBytes);
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return decodeJson(raw);
  return decodeProtobuf(raw, maxBytes);
}

function decodeJson(raw: Buffer): RawStream[] {
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new PushDecodeError('INVALID_JSON', `invalid JSON body: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new PushDecodeError('INVALID_JSON', 'push body must be a JSON object with "streams"');
  }
  const streams = (doc as { streams?: unknown }).streams;
  if (streams === undefined || streams === null) return [];
  if (!Array.isArray(streams))
    throw new PushDecodeError('INVALID_JSON', '"streams" must be an array', 'streams');
  return streams.map((s, i) => {
    const field = `streams[${i}]`;
    if (typeof s !== 'object' || s === null)
      throw new PushDecodeError('INVALID_JSON', 'stream must be an object', field);
    const { stream, values } = s as { stream?: unknown; values?: unknown };
    const labels: Labels = {};
    if (stream !== undefined && stream !== null) {
      if (typeof stream !== 'object' || Array.isArray(stream)) {
        throw new PushDecodeError(
          'INVALID_JSON',
          '"stream" must be an object of label values',
          `${field}.stream`,
        );
      }
      for (const [k, v] of Object.entries(stream)) {
        if (typeof v !== 'string') {
          throw new PushDecodeError(
            'INVALID_JSON',
            `label value of "${k}" must be a string`,
            `${field}.stream.${k}`,
          );
        }
        labels[k] = v;
      }
    }
    if (values !== undefined && values !== null && !Array.isArray(values)) {
      throw new PushDecodeError('INVALID_JSON', '"values" must be an array', `${field}.values`);
    }
    const entries = ((values as unknown[] | undefined) ?? []).map((v, j) =>
      decodeJsonEntry(v, `${field}.values[${j}]`),
    );
    return { labels, entries };
  });
}

function decodeJsonEntry(v: unknown, field: string): RawEntry {
  if (!Array.isArray(v) || v.length < 2 || v.length > 3) {
    throw new PushDecodeError(
      'INVALID_JSON',
      'each value must be ["<unix epoch ns>", "<line>"(, {metadata})]',
      field,
    );
  }
  const [ts, line, meta] = v as [unknown, unknown, unknown];
  if (typeof ts !== 'string' || !/^\d{1,19}$/.test(ts)) {
    throw new PushDecodeError(
      'INVALID_TIMESTAMP',
      'timestamp must be a string of unix epoch nanoseconds',
      `${field}[0]`,
    );
  }
  if (typeof line !== 'string')
    throw new PushDecodeError('INVALID_JSON', 'log line must be a string', `${field}[1]`);
  const entry: RawEntry = { ts: BigInt(ts), line };
  if (meta !== undefined && meta !== null) {
    if (typeof meta !== 'object' || Array.isArray(meta)) {
      throw new PushDecodeError('INVALID_JSON', 'structured metadata must be an object', `${field}[2]`);
    }
    const md: Labels = {};
    for (const [k, raw] of Object.entries(meta)) {
      // Some clients (pino-loki) send numbers and booleans; they are kept as their text.
      const mv = typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : raw;
      if (typeof mv !== 'string') {
        throw new PushDecodeError(
          'INVALID_JSON',
          `structured metadata "${k}" must be a string`,
          `${field}[2].${k}`,
        );
      }
      md[k] = mv;
    }
    entry.metadata = md;
  }
  return entry;
}

function decodeProtobuf(raw: Buffer, maxBytes: number): RawStream[] {
  const plain = snappyUncompressBounded(raw, maxBytes);
  try {
    return decodePushRequest(plain);
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    throw new PushDecodeError('INVALID_PROTOBUF', `invalid protobuf PushRequest: ${e.message}`);
  }
}

/** Encodes a push request as Promtail does (protobuf + snappy); used by the collector and tests. */
export function encodePushProtobuf(
  streams: Array<{ labels: string; entries: Array<{ ts: bigint; line: string; metadata?: Labels }> }>,
): Buffer {
  const type = pushRequestType();
  const msg = type.create({
    streams: streams.map((s) => ({
      labels: s.labels,
      entries: s.entries.map((e) => ({
        timestamp: { seconds: Number(e.ts / 1_000_000_000n), nanos: Number(e.ts % 1_000_000_000n) },
        line: e.line,
        structuredMetadata: Object.entries(e.metadata ?? {}).map(([name, value]) => ({ name, value })),
      })),
    })),
  });
  return Buffer.from(snappy.compress(type.encode(msg).finish()));
}
