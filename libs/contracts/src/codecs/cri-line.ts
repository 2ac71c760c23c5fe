// The CRI container log format the kubelet's runtimes write under /var/log/pods, one line per chunk:
//   <RFC3339Nano time> <stdout|stderr> <F|P> <content>
// `P` marks a partial chunk of a longer line, continued by the following chunks up to the next `F`.
import { formatRfc3339Nano, parseRfc3339Nano } from './timestamp.js';

/** The output stream a CRI line came from. */
export type CriStream = 'stdout' | 'stderr';

/** One CRI log line, read. */
export interface CriLine {
  /** Time the runtime read the chunk, Unix nanoseconds. */
  ts: bigint;
  /** The stream it came from. */
  stream: CriStream;
  /** True for a `P` chunk: the line goes on in the next chunk of the same stream. */
  partial: boolean;
  /** The chunk's content, without the line's newline. */
  content: string;
}

/**
 * Reads one CRI log line (without its newline); undefined when it is not one (a bad time, stream or tag).
 * A chunk with empty content may end right after its tag.
 */
export function parseCriLine(line: string): CriLine | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return undefined;
  const ts = parseRfc3339Nano(line.slice(0, a));
  const stream = line.slice(a + 1, b);
  if (ts === null || (stream !== 'stdout' && stream !== 'stderr')) return undefined;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  if (tag !== 'F' && tag !== 'P') return undefined;
  return { ts, stream, partial: tag === 'P', content: c < 0 ? '' : line.slice(c + 1) };
}

/**
 * The head of a CRI log line up to its content, trailing space included: `<time> <stream> <F|P> `.
 * Writers append the content's bytes and a newline (content may be raw bytes, hence no whole-line form).
 */
export function criLineHead(ts: bigint, stream: CriStream, partial: boolean): string {
  return `${formatRfc3339Nano(ts)} ${stream} ${partial ? 'P' : 'F'} `;
}
