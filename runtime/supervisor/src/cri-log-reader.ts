import { type CriStream, parseCriLine } from '@opsight/contracts/codecs';

/** One logical log line, partial chunks joined. */
export interface CriLogEntry {
  /** RFC 3339 time with nanoseconds, of the line's first chunk. */
  time: string;
  stream: CriStream;
  line: string;
}

/**
 * Parses CRI-format log text into logical lines: `P` chunks are joined with the chunks that follow on the
 * same stream up to the next `F`. Malformed lines are returned as they are on stderr-less `stdout`.
 * `pending` carries unfinished partial lines from one call to the next when following a file.
 */
export function readCriLog(
  text: string,
  pending: Map<string, { time: string; parts: string[] }> = new Map(),
): CriLogEntry[] {
  const out: CriLogEntry[] = [];
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    const cri = parseCriLine(raw);
    if (!cri) {
      out.push({ time: '', stream: 'stdout', line: raw });
      continue;
    }
    const { stream, content } = cri;
    const time = raw.slice(0, raw.indexOf(' '));
    const open = pending.get(stream);
    if (cri.partial) {
      if (open) open.parts.push(content);
      else pending.set(stream, { time, parts: [content] });
      continue;
    }
    pending.delete(stream);
    out.push({
      time: open?.time ?? time,
      stream,
      line: open ? open.parts.join('') + content : content,
    });
  }
  return out;
}
