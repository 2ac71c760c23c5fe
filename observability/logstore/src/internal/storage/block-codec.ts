// Sealed blocks, format 2: a run of one stream's entries, in time order, laid out in columns and
// compressed as one unit. A block is the unit a reader decompresses; its time range, entry count and
// filters (block-filter.ts) live beside it, so a reader decides which blocks it needs before
// decompressing any.
//
// Stored bytes: a format byte (2), a compression byte (1 zstd, 2 deflate), the payload's size (uint32
// LE, so that decompression writes into one buffer of the right size), then the compressed payload:
//   varint n                              entries
//   varint names, then each name          metadata names used in the block (varint length, UTF-8)
//   int64 LE                              timestamp of the first entry (ns)
//   n × varint                            timestamp deltas to the previous entry (the first is 0)
//   n × varint                            line lengths in bytes
//   varint bytes, then the metadata column, per entry:
//     varint 0                            no metadata
//     varint 1, varint length, text       metadata kept as its JSON text (not a flat object of strings)
//     varint 2 + pairs, then per pair:    varint name index, and either
//       varint 0, varint length, bytes    the value, or
//       varint 1 + offset, varint length  the value as bytes [offset, offset + length) of the entry's
//                                         line (trace ids and request ids are usually in the line too)
//   the lines, contiguous                 so that a substring search runs over them in one pass
// The line hash of the row key is not stored: it is a function of the line (line-hash.ts).
import { constants, deflateRawSync, inflateRawSync, zstdCompressSync, zstdDecompressSync } from 'node:zlib';

/** The format byte of a format 2 block (format 1 is chunk-codec.ts, which has no format byte). */
export const BLOCK_FORMAT = 2;

export type BlockCompression = 'zstd' | 'deflate';

const COMPRESSION_ID: Record<BlockCompression, number> = { zstd: 1, deflate: 2 };

/**
 * zstd level 1: on the services' JSON lines it stores them in fewer bytes than deflate level 1 (and
 * than zstd level 3) and decompresses about twice as fast (the table in the store's README).
 */
export const DEFAULT_COMPRESSION: BlockCompression = 'zstd';
const ZSTD_LEVEL = 1;

const HEADER_BYTES = 6;

/** A metadata value shorter than this is stored as it is, not as a reference into the line. */
const MIN_REF_BYTES = 6;

/** One entry of a sealed block. */
export interface SealedEntry {
  ts: bigint;
  line: string;
  /** Structured metadata as stored (JSON text), or null. */
  meta: string | null;
}

/** The largest time span a block may cover: its timestamps are kept as offsets in a double. */
export const MAX_BLOCK_SPAN_NS = BigInt(Number.MAX_SAFE_INTEGER);

class ByteWriter {
  buf = Buffer.allocUnsafe(1 << 16);
  at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  varint(v: number): void {
    this.room(8);
    while (v >= 0x80) {
      this.buf[this.at++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.at++] = v;
  }

  bytes(b: Buffer): void {
    this.room(b.length);
    this.at += b.copy(this.buf, this.at);
  }

  int64(v: bigint): void {
    this.room(8);
    this.buf.writeBigInt64LE(v, this.at);
    this.at += 8;
  }

  done(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters JSON.stringify escapes.
const NEEDS_ESCAPE = /[\\\u0000-\u001f\ud800-\udfff]/;

/** Metadata as name/value pairs when it is a flat JSON object of strings that re-serializes exactly. */
export function metaPairs(meta: string): Array<[string, string]> | undefined {
  // The usual form, as the store writes it (`{"name":"value",…}`, nothing escaped), read with
  // indexOf: without a backslash, every quote delimits a string, and without control characters or
  // surrogates JSON.stringify writes each name and value back as it is.
  if (meta.startsWith('{"') && meta.endsWith('"}') && !NEEDS_ESCAPE.test(meta)) {
    const pairs: Array<[string, string]> = [];
    let at = 1;
    for (;;) {
      const nameEnd = meta.indexOf('"', at + 1);
      if (nameEnd < 0 || meta.charCodeAt(nameEnd + 1) !== 58 /* : */ || meta.charCodeAt(nameEnd + 2) !== 34)
        break;
      const valueEnd = meta.indexOf('"', nameEnd + 3);
      if (valueEnd < 0) break;
      pairs.push([meta.slice(at + 1, nameEnd), meta.slice(nameEnd + 3, valueEnd)]);
      if (valueEnd === meta.length - 2) return pairs;
      if (meta.charCodeAt(valueEnd + 1) !== 44 /* , */ || meta.charCodeAt(valueEnd + 2) !== 34) break;
      at = valueEnd + 2;
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(meta);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const pairs = Object.entries(parsed as Record<string, unknown>);
  if (pairs.length === 0 || pairs.some(([, v]) => typeof v !== 'string')) return undefined;
  if (JSON.stringify(parsed) !== meta) return undefined;
  return pairs as Array<[string, string]>;
}

/** A block as stored, and what its filters are built from. */
export interface EncodedBlock {
  /** The stored bytes. */
  data: Buffer;
  /** The lines, contiguous; line i is [lineStarts[i], lineStarts[i + 1]). */
  lines: Buffer;
  lineStarts: Uint32Array;
  /** The `trace_id` metadata values of the entries that have one. */
  traceIds: string[];
}

/**
 * Lays out and compresses entries (one stream's, oldest first, spanning less than
 * {@link MAX_BLOCK_SPAN_NS}) as one block.
 */
export function encodeBlock(
  entries: SealedEntry[],
  compression: BlockCompression = DEFAULT_COMPRESSION,
  zstdLevel = ZSTD_LEVEL,
): EncodedBlock {
  const n = entries.length;
  if (n === 0) throw new Error('a block holds at least one entry');
  const first = entries[0]!.ts;
  if (entries[n - 1]!.ts - first >= MAX_BLOCK_SPAN_NS) throw new Error('block spans too much time');
  const lines = entries.map((e) => Buffer.from(e.line, 'utf8'));
  const names = new Map<string, number>();
  const traceIds: string[] = [];
  const meta = new ByteWriter();
  entries.forEach((e, i) => {
    if (e.meta === null) {
      meta.varint(0);
      return;
    }
    const pairs = metaPairs(e.meta);
    if (!pairs) {
      const text = Buffer.from(e.meta, 'utf8');
      meta.varint(1);
      meta.varint(text.length);
      meta.bytes(text);
      return;
    }
    meta.varint(2 + pairs.length);
    const line = lines[i]!;
    for (const [name, value] of pairs) {
      if (name === 'trace_id') traceIds.push(value);
      let idx = names.get(name);
      if (idx === undefined) {
        idx = names.size;
        names.set(name, idx);
      }
      meta.varint(idx);
      const bytes = Buffer.from(value, 'utf8');
      const at = bytes.length >= MIN_REF_BYTES ? line.indexOf(bytes) : -1;
      if (at >= 0) {
        meta.varint(1 + at);
        meta.varint(bytes.length);
      } else {
        meta.varint(0);
        meta.varint(bytes.length);
        meta.bytes(bytes);
      }
    }
  });
  const out = new ByteWriter();
  out.varint(n);
  out.varint(names.size);
  for (const name of names.keys()) {
    const b = Buffer.from(name, 'utf8');
    out.varint(b.length);
    out.bytes(b);
  }
  out.int64(first);
  let prev = first;
  for (const e of entries) {
    out.varint(Number(e.ts - prev));
    prev = e.ts;
  }
  for (const l of lines) out.varint(l.length);
  const metaBytes = meta.done();
  out.varint(metaBytes.length);
  out.bytes(metaBytes);
  const linesAt = out.at;
  const lineStarts = new Uint32Array(n + 1);
  lines.forEach((l, i) => {
    lineStarts[i] = out.at - linesAt;
    out.bytes(l);
  });
  lineStarts[n] = out.at - linesAt;
  const raw = out.done();
  const packed =
    compression === 'zstd'
      ? zstdCompressSync(raw, {
          params: {
            [constants.ZSTD_c_compressionLevel]: zstdLevel,
            [constants.ZSTD_c_checksumFlag]: 0,
            [constants.ZSTD_c_contentSizeFlag]: 1,
          },
        })
      : deflateRawSync(raw, { level: 1 });
  const stored = Buffer.allocUnsafe(HEADER_BYTES + packed.length);
  stored[0] = BLOCK_FORMAT;
  stored[1] = COMPRESSION_ID[compression];
  stored.writeUInt32LE(raw.length, 2);
  packed.copy(stored, HEADER_BYTES);
  return { data: stored, lines: raw.subarray(linesAt), lineStarts, traceIds };
}

/** A decompressed block: entries are materialized one at a time, only those a reader asks for. */
export class BlockView {
  /** Entries in the block. */
  readonly length: number;
  /** The decompressed payload. */
  readonly buf: Buffer;
  private readonly names: string[] = [];
  private readonly firstTs: bigint;
  /** Timestamp of each entry as an offset (ns) from the first. */
  private readonly tsOffsets: Float64Array;
  /** Where each line starts in `buf`; one more for the end of the last. */
  readonly lineStarts: Uint32Array;
  private readonly metaStart: number;
  private metaAt: Uint32Array | undefined;

  constructor(stored: Buffer) {
    if (stored[0] !== BLOCK_FORMAT) throw new Error(`unknown block format ${stored[0]}`);
    const packed = stored.subarray(HEADER_BYTES);
    // One output buffer of the payload's size: zlib's default 16 KiB steps cost a third of the time.
    const chunkSize = Math.max(64, stored.readUInt32LE(2));
    if (stored[1] === COMPRESSION_ID.zstd) this.buf = zstdDecompressSync(packed, { chunkSize });
    else if (stored[1] === COMPRESSION_ID.deflate) this.buf = inflateRawSync(packed, { chunkSize });
    else throw new Error(`unknown block compression ${stored[1]}`);
    const buf = this.buf;
    let at = 0;
    const varint = (): number => {
      let v = 0;
      let mul = 1;
      for (;;) {
        const b = buf[at++];
        if (b === undefined) throw new Error('corrupt block: truncated');
        v += (b & 0x7f) * mul;
        if (b < 0x80) return v;
        mul *= 0x80;
      }
    };
    const n = varint();
    this.length = n;
    const nameCount = varint();
    for (let i = 0; i < nameCount; i++) {
      const len = varint();
      this.names.push(buf.toString('utf8', at, at + len));
      at += len;
    }
    this.firstTs = buf.readBigInt64LE(at);
    at += 8;
    this.tsOffsets = new Float64Array(n);
    let t = 0;
    for (let i = 0; i < n; i++) {
      t += varint();
      this.tsOffsets[i] = t;
    }
    const lengths = new Uint32Array(n);
    for (let i = 0; i < n; i++) lengths[i] = varint();
    const metaLen = varint();
    this.metaStart = at;
    at += metaLen;
    this.lineStarts = new Uint32Array(n + 1);
    for (let i = 0; i < n; i++) {
      this.lineStarts[i] = at;
      at += lengths[i]!;
    }
    this.lineStarts[n] = at;
  }

  ts(i: number): bigint {
    return this.firstTs + BigInt(this.tsOffsets[i]!);
  }

  line(i: number): string {
    return this.buf.toString('utf8', this.lineStarts[i]!, this.lineStarts[i + 1]!);
  }

  /** Line bytes of the whole block. */
  lineBytes(): number {
    return this.lineStarts[this.length]! - this.lineStarts[0]!;
  }

  /** The entry's metadata as JSON text, as it was stored, or null. */
  meta(i: number): string | null {
    const buf = this.buf;
    let at = this.metaOffsets()[i]!;
    const varint = (): number => {
      let v = 0;
      let mul = 1;
      for (;;) {
        const b = buf[at++];
        if (b === undefined) throw new Error('corrupt block: truncated');
        v += (b & 0x7f) * mul;
        if (b < 0x80) return v;
        mul *= 0x80;
      }
    };
    const kind = varint();
    if (kind === 0) return null;
    if (kind === 1) {
      const len = varint();
      return buf.toString('utf8', at, at + len);
    }
    const line = this.lineStarts[i]!;
    let text = '{';
    for (let p = 0; p < kind - 2; p++) {
      const name = this.names[varint()]!;
      const ref = varint();
      const len = varint();
      let value: string;
      if (ref === 0) {
        value = buf.toString('utf8', at, at + len);
        at += len;
      } else value = buf.toString('utf8', line + ref - 1, line + ref - 1 + len);
      text += `${p > 0 ? ',' : ''}${JSON.stringify(name)}:${JSON.stringify(value)}`;
    }
    return `${text}}`;
  }

  entry(i: number): SealedEntry {
    return { ts: this.ts(i), line: this.line(i), meta: this.meta(i) };
  }

  /** The first entry at or after `ts` (binary search); `length` when none. */
  lowerBound(ts: bigint): number {
    if (ts <= this.firstTs) return 0;
    const off = Number(ts - this.firstTs);
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.tsOffsets[mid]! < off) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Indexes of the entries in [from, to) whose line contains every one of `contains`, in order. The
   * first needle is searched in the block's contiguous line bytes; only lines holding it are decoded.
   */
  matching(from: bigint, to: bigint, contains: string[]): number[] {
    const lo = this.lowerBound(from);
    const hi = this.lowerBound(to);
    const out: number[] = [];
    if (contains.length === 0) {
      for (let i = lo; i < hi; i++) out.push(i);
      return out;
    }
    const needle = Buffer.from(contains[0]!, 'utf8');
    const rest = contains.slice(1);
    const starts = this.lineStarts;
    const end = starts[hi]!;
    let i = lo;
    let hit = this.buf.indexOf(needle, starts[lo]!);
    while (hit >= 0 && hit < end) {
      while (starts[i + 1]! <= hit) i++;
      if (hit + needle.length <= starts[i + 1]!) {
        if (rest.length === 0 || rest.every((c) => this.line(i).includes(c))) out.push(i);
        i++;
        if (i >= hi) break;
        hit = this.buf.indexOf(needle, starts[i]!);
      } else hit = this.buf.indexOf(needle, hit + 1);
    }
    return out;
  }

  /**
   * Indexes of the entries whose line or stored metadata bytes contain `text` (a metadata value is
   * in one or the other), in order, each once. A candidate list: the caller checks each entry.
   */
  holding(text: string): number[] {
    const needle = Buffer.from(text, 'utf8');
    const out = new Set<number>();
    const metas = this.metaOffsets();
    const linesAt = this.lineStarts[0]!;
    const upper = (xs: ArrayLike<number>, n: number, v: number): number => {
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (xs[mid]! <= v) lo = mid + 1;
        else hi = mid;
      }
      return lo - 1;
    };
    for (
      let hit = this.buf.indexOf(needle, this.metaStart);
      hit >= 0;
      hit = this.buf.indexOf(needle, hit + 1)
    ) {
      const i = hit < linesAt ? upper(metas, this.length, hit) : upper(this.lineStarts, this.length, hit);
      if (i >= 0) out.add(i);
    }
    return [...out].sort((a, b) => a - b);
  }

  private metaOffsets(): Uint32Array {
    if (this.metaAt) return this.metaAt;
    const buf = this.buf;
    let at = this.metaStart;
    const varint = (): number => {
      let v = 0;
      let mul = 1;
      for (;;) {
        const b = buf[at++];
        if (b === undefined) throw new Error('corrupt block: truncated');
        v += (b & 0x7f) * mul;
        if (b < 0x80) return v;
        mul *= 0x80;
      }
    };
    const offsets = new Uint32Array(this.length);
    for (let i = 0; i < this.length; i++) {
      offsets[i] = at;
      const kind = varint();
      if (kind === 1) {
        const len = varint(); // read before adding: varint() moves `at`
        at += len;
      } else
        for (let p = 0; p < kind - 2; p++) {
          varint();
          const ref = varint();
          const len = varint();
          if (ref === 0) at += len;
        }
    }
    this.metaAt = offsets;
    return offsets;
  }
}
