// What the storage derives from an entry before writing it: the line hash of its key, its line's UTF-8
// length, its metadata as JSON and the key of its trace id. Computed wherever the entry is decoded (a
// decode worker thread) or, failing that, by append itself; this module stays free of the database so a
// worker can load it alone.

import { lineHash } from './line-hash.js';
import type { Entry } from './log-storage.js';

/** An entry's line hash and metadata JSON, as append computes them. */
export interface DerivedEntryFields {
  h: number;
  /** The line's length in UTF-8 bytes. */
  bytes: number;
  meta: string | null;
  /** lineHash of the `trace_id` metadata, when there is one. */
  traceKey: number | null;
}

/** The fields append derives from an entry: its line hash, its metadata as JSON, its trace key. */
export function deriveEntryFields(e: Entry): DerivedEntryFields {
  const md = e.metadata;
  let meta: string | null = null;
  if (md) {
    for (const _ in md) {
      meta = JSON.stringify(md);
      break;
    }
  }
  const traceId = meta === null ? undefined : md!.trace_id;
  return {
    h: lineHash(e.line),
    bytes: Buffer.byteLength(e.line),
    meta,
    traceKey: traceId ? lineHash(traceId) : null,
  };
}
