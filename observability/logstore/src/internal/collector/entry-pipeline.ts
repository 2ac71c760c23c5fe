// The catalog's log rule (LOG_SHIPPING in @opsight/catalog), which the production Alloy and Promtail
// configurations are generated from: parse the line as JSON; the rule's label fields (`level`) become
// stream labels, its structured-metadata fields (trace_id / request_id / user_id) structured metadata,
// and the entry time is the line's own `timestamp` when it parses. The line is kept unchanged.
import { LOG_SHIPPING } from '@opsight/catalog';
import { parseRfc3339Nano } from '@opsight/contracts/codecs';

export interface ProcessedEntry {
  ts: bigint;
  line: string;
  /** Stream labels taken from the line (the rule's field labels), beside the origin labels. */
  labels?: Record<string, string>;
  metadata?: Record<string, string>;
}

/** A string value of a field (numbers as written), or undefined when absent or empty. */
function fieldValue(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
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
  const labels: Record<string, string> = {};
  for (const f of LOG_SHIPPING.fieldLabels) {
    const v = o[f];
    if (typeof v === 'string' && v !== '') labels[f] = v;
  }
  if (Object.keys(labels).length > 0) out.labels = labels;
  const md: Record<string, string> = {};
  for (const f of LOG_SHIPPING.structuredMetadata) {
    const v = fieldValue(o[f]);
    if (v !== undefined) md[f] = v;
  }
  if (Object.keys(md).length > 0) out.metadata = md;
  const time = o[LOG_SHIPPING.timestampField];
  if (typeof time === 'string') {
    const t = parseRfc3339Nano(time);
    if (t !== null) out.ts = t;
  }
  return out;
}
