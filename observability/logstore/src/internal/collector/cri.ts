// The CRI container log format kubelet writes under /var/log/pods:
//   <RFC3339Nano timestamp> <stdout|stderr> <F|P> <content>
// P marks a partial chunk of a longer line, joined with the following chunks up to the next F.

export interface CriLine {
  /** Timestamp in ns. */
  ts: bigint;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  content: string;
}

/** Parses an RFC 3339 timestamp with up to nanosecond precision into ns; undefined if invalid. */
export function parseRfc3339Nano(text: string): bigint | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) return undefined;
  const secs = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(secs)) return undefined;
  return BigInt(secs) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

export function parseCriLine(line: string): CriLine | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return undefined;
  const ts = parseRfc3339Nano(line.slice(0, a));
  const stream = line.slice(a + 1, b);
  if (ts === undefined || (stream !== 'stdout' && stream !== 'stderr')) return undefined;
  // A line with an empty content has no space after the tag.
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  if (tag !== 'F' && tag !== 'P') return undefined;
  return { ts, stream, partial: tag === 'P', content: c < 0 ? '' : line.slice(c + 1) };
}

/** Joins partial chunks per output stream; `push` returns the full line once an F chunk arrives. */
export class PartialJoiner {
  private readonly pending = new Map<string, { ts: bigint; parts: string[] }>();

  /** Longest joined line kept; the rest of a longer one is cut off. @default 1 MiB */
  constructor(private readonly maxLength = 1024 * 1024) {}

  push(l: CriLine): { ts: bigint; line: string } | undefined {
    const p = this.pending.get(l.stream);
    if (l.partial) {
      if (p) p.parts.push(l.content);
      else this.pending.set(l.stream, { ts: l.ts, parts: [l.content] });
      return undefined;
    }
    if (!p) return { ts: l.ts, line: l.content };
    this.pending.delete(l.stream);
    p.parts.push(l.content);
    const line = p.parts.join('');
    return { ts: p.ts, line: line.length > this.maxLength ? line.slice(0, this.maxLength) : line };
  }

  hasPending(): boolean {
    return this.pending.size > 0;
  }
}
