// The same pipeline as the production Alloy config (observability/alloy): parse the line as JSON,
// `level` becomes a stream label, trace_id / request_id / user_id become structured metadata, and
// the entry time is the log's own `timestamp` when it parses.
import { parseRfc3339Nano } from './cri.js';

export const METADATA_FIELDS = ['trace_id', 'request_id', 'user_id'] as const;

export interface ProcessedEntry {
  ts: bigint;
  line: string;
  level?: string;
  metadata?: Record<string, string>;
}

export function processLine(ts: bigint, line: string): ProcessedEntry {
  const out: ProcessedEntry = { ts, line };
  if (!line.startsWith('{')) return out;
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return out;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return out;
  const o = doc as Record<string, unknown>;
  if (typeof o.level === 'string' && o.level !== '') out.level = o.level;
  const md: Record<string, string> = {};
  for (const f of METADATA_FIELDS) {
    const v = o[f];
    if (typeof v === 'string' && v !== '') md[f] = v;
    else if (typeof v === 'number') md[f] = String(v);
  }
  if (Object.keys(md).length > 0) out.metadata = md;
  if (typeof o.timestamp === 'string') {
    const t = parseRfc3339Nano(o.timestamp);
    if (t !== undefined) out.ts = t;
  }
  return out;
}
