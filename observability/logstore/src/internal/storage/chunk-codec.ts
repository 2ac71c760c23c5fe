// Sealed chunks, format 1 (older releases): a run of one stream's entries, in time order, packed and
// deflate-compressed. Layout before compression, per entry: ts (int64 LE), line hash (float64 LE),
// metadata length (uint32 LE) and its JSON text, line length (uint32 LE) and the line (UTF-8).
// Read only to convert an older store into format 2 blocks on open (block-codec.ts); written only by
// tests that build such a store.
import { deflateRawSync, inflateRawSync } from 'node:zlib';

export interface ChunkEntry {
  ts: bigint;
  h: number;
  line: string;
  /** Structured metadata as stored (JSON text), or null. */
  meta: string | null;
}

export function encodeChunk(entries: ChunkEntry[]): Buffer {
  let size = 0;
  const metas: Array<Buffer | null> = [];
  const lines: Buffer[] = [];
  for (const e of entries) {
    const m = e.meta === null ? null : Buffer.from(e.meta, 'utf8');
    const l = Buffer.from(e.line, 'utf8');
    metas.push(m);
    lines.push(l);
    size += 24 + (m?.length ?? 0) + l.length;
  }
  const buf = Buffer.allocUnsafe(size);
  let at = 0;
  entries.forEach((e, i) => {
    buf.writeBigInt64LE(e.ts, at);
    buf.writeDoubleLE(e.h, at + 8);
    const m = metas[i];
    buf.writeUInt32LE(m?.length ?? 0, at + 16);
    at += 20;
    if (m) at += m.copy(buf, at);
    const l = lines[i]!;
    buf.writeUInt32LE(l.length, at);
    at += 4;
    at += l.copy(buf, at);
  });
  // Level 1: most of the ratio (about 6-7× on service JSON logs) at the least CPU.
  return deflateRawSync(buf, { level: 1 });
}

/**
 * Decodes a chunk. With `contains`, only entries whose line contains every one of those strings are
 * returned, and the others are never turned into strings: the first needle is searched in the raw
 * bytes (Buffer.indexOf) and entries are skipped up to the next match.
 */
export function decodeChunk(data: Buffer, contains: string[] = []): ChunkEntry[] {
  const buf = inflateRawSync(data);
  const out: ChunkEntry[] = [];
  let at = 0;
  const needle = contains.length > 0 ? Buffer.from(contains[0]!, 'utf8') : undefined;
  let hit = needle ? buf.indexOf(needle) : 0;
  while (at < buf.length) {
    if (needle) {
      if (hit < 0) break;
      const ml = buf.readUInt32LE(at + 16);
      const lineAt = at + 24 + ml;
      const ll = buf.readUInt32LE(at + 20 + ml);
      if (hit < lineAt) hit = buf.indexOf(needle, lineAt);
      if (hit < 0) break;
      if (hit + needle.length > lineAt + ll) {
        at = lineAt + ll;
        continue;
      }
      const line = buf.toString('utf8', lineAt, lineAt + ll);
      if (contains.every((c) => line.includes(c))) {
        out.push({
          ts: buf.readBigInt64LE(at),
          h: buf.readDoubleLE(at + 8),
          line,
          meta: ml > 0 ? buf.toString('utf8', at + 20, at + 20 + ml) : null,
        });
      }
      at = lineAt + ll;
      continue;
    }
    const ts = buf.readBigInt64LE(at);
    const h = buf.readDoubleLE(at + 8);
    const ml = buf.readUInt32LE(at + 16);
    at += 20;
    const meta = ml > 0 ? buf.toString('utf8', at, at + ml) : null;
    at += ml;
    const ll = buf.readUInt32LE(at);
    at += 4;
    const line = buf.toString('utf8', at, at + ll);
    at += ll;
    out.push({ ts, h, line, meta });
  }
  return out;
}
