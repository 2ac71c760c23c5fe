// Joining the CRI log format's partial chunks: a `P` chunk is continued by the following chunks of the same
// stream up to the next `F` (the line format itself is @opsight/contracts/codecs' parseCriLine).
import type { CriLine } from '@opsight/contracts/codecs';

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
