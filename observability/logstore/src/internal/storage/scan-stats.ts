// What a query's reads cost, counted by the storage as it reads: the store part of a query's `stats`
// block (Loki's querier.store counts), and how a plan's pushdowns are seen to pay.

/** Counters a read adds to; one per query, shared by every read of that query. */
export interface ScanStats {
  /** Rows read from the unsealed (head) part of the streams. */
  headRows: number;
  /** Line bytes of those rows. */
  headBytes: number;
  /** Sealed chunks (or blocks of a chunk) decompressed. */
  chunksDecoded: number;
  /** Sealed chunks (or blocks) left compressed: out of range, or ruled out by an index (bloom, min/max). */
  chunksSkipped: number;
  /** Compressed bytes of the chunks decoded. */
  compressedBytes: number;
  /** Line bytes of those chunks once decompressed. */
  decompressedBytes: number;
  /** Entries in the chunks decoded (before any filter). */
  decompressedLines: number;
  /** Entries found through the trace_id index. */
  indexHits: number;
}

export function newScanStats(): ScanStats {
  return {
    headRows: 0,
    headBytes: 0,
    chunksDecoded: 0,
    chunksSkipped: 0,
    compressedBytes: 0,
    decompressedBytes: 0,
    decompressedLines: 0,
    indexHits: 0,
  };
}

/** Adds `b` into `a` (a query split into parts, or run in several workers). */
export function addScanStats(a: ScanStats, b: ScanStats): void {
  for (const k of Object.keys(a) as Array<keyof ScanStats>) a[k] += b[k];
}

/**
 * A bound on a top-level numeric field of JSON lines that every entry a query keeps must satisfy (from
 * `| json | latency_ms > 500`). A hint: the storage may skip sealed data whose recorded min/max of the
 * field rules every entry out, and may ignore it; the query's pipeline still filters every entry.
 */
export interface FieldBound {
  /** The JSON field name at the top level of the line. */
  field: string;
  op: '>' | '>=' | '<' | '<=' | '==';
  value: number;
}
