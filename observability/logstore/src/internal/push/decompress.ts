// Bounded decompression of push bodies: the decompressed size limit is checked WHILE
// decompressing, so a small body that expands without bound (a decompression bomb) is refused
// after at most `maxBytes` of output, never inflated whole.
//
// - gzip, deflate (Content-Encoding): zlib stops as soon as its output passes `maxBytes`
//   (maxOutputLength) and the request is refused with REQUEST_BODY_TOO_LARGE (413).
// - zstd: used where this Node's zlib has it (Node 22.15+/23.8+), with the same bound; elsewhere
//   it is refused with UNSUPPORTED_ENCODING (415).
// - snappy (the protobuf body's block format): the block states its decompressed length up front;
//   a length over `maxBytes` is refused before anything is allocated, and a block that would
//   write past its stated length is invalid.
//
// The bound is the store's request body limit (`maxBodyBytes`, 64 MiB by default): no push ever
// holds more than that as decompressed bytes before it is parsed.
import * as zlib from 'node:zlib';
import snappy from 'snappyjs';
import { PushDecodeError } from './push-decode-error.js';

type SyncDecompress = (buf: Buffer, options: { maxOutputLength: number }) => Buffer;

const zstdDecompressSync = (zlib as unknown as { zstdDecompressSync?: SyncDecompress }).zstdDecompressSync;

/** Content-Encodings a push may use. */
export function supportedEncodings(): string[] {
  return ['gzip', 'deflate', ...(zstdDecompressSync ? ['zstd'] : []), 'identity'];
}

function bounded(fn: SyncDecompress, raw: Buffer, maxBytes: number, name: string): Buffer {
  try {
    return fn(raw, { maxOutputLength: maxBytes });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new PushDecodeError(
        'REQUEST_BODY_TOO_LARGE',
        `request body too large: decompressed body over the limit of ${maxBytes} bytes`,
      );
    }
    throw new PushDecodeError(
      name === 'gzip' ? 'INVALID_GZIP' : 'INVALID_COMPRESSION',
      `invalid ${name} body: ${(e as Error).message}`,
    );
  }
}

/** Undoes the Content-Encoding of a body, producing at most `maxBytes`. */
export function decodeContentEncoding(raw: Buffer, contentEncoding: string, maxBytes: number): Buffer {
  const enc = contentEncoding.toLowerCase().trim();
  switch (enc) {
    case '':
    case 'identity':
      return raw;
    case 'gzip':
    case 'x-gzip':
      return bounded(zlib.gunzipSync, raw, maxBytes, 'gzip');
    case 'deflate':
      // HTTP's deflate is zlib-wrapped; unzip also takes a raw deflate stream some clients send.
      return bounded(zlib.unzipSync, raw, maxBytes, 'deflate');
    case 'zstd':
      if (zstdDecompressSync) return bounded(zstdDecompressSync, raw, maxBytes, 'zstd');
      break;
  }
  throw new PushDecodeError(
    'UNSUPPORTED_ENCODING',
    `unsupported Content-Encoding: ${contentEncoding} (supported: ${supportedEncodings().join(', ')})`,
  );
}

/** Undoes snappy block compression, refusing a stated length over `maxBytes` before allocating. */
export function snappyUncompressBounded(raw: Buffer, maxBytes: number): Uint8Array {
  try {
    return snappy.uncompress(raw, maxBytes);
  } catch (e) {
    const message = (e as Error).message;
    if (/too (large|big)/i.test(message)) {
      throw new PushDecodeError(
        'REQUEST_BODY_TOO_LARGE',
        `request body too large: decompressed body over the limit of ${maxBytes} bytes`,
      );
    }
    throw new PushDecodeError('INVALID_SNAPPY', `invalid snappy-compressed body: ${message}`);
  }
}
