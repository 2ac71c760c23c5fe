import { closeSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type CriStream, criLineHead, formatRfc3339Nano } from '@opsight/contracts/codecs';
import { nowNs } from './now-ns.js';

/** Options of {@link CriLogWriter}. */
export interface CriLogWriterOptions {
  /**
   * Longest content of one log line in bytes; longer lines are written as partial (`P`) chunks.
   * @default 16384 (containerd's buffer size)
   */
  maxLineBytes?: number;
  /**
   * Rotate the file when it grows past this size, as the kubelet does.
   * @default 10485760 (10 MiB)
   */
  maxFileBytes?: number;
  /**
   * Rotated files kept beside the live one.
   * @default 4
   */
  maxRotatedFiles?: number;
}

type Stream = CriStream;

/**
 * Writes a container's output in the CRI log format the kubelet uses:
 * `<RFC3339Nano time> <stdout|stderr> <F|P> <content>\n`. A line longer than `maxLineBytes` is written as
 * `P` chunks followed by an `F` chunk; chunks never split a UTF-8 character. Writes are synchronous, so a
 * line is on disk (in the page cache) before the next chunk of output is read: nothing is lost when the
 * supervisor is killed.
 */
export class CriLogWriter {
  private fd: number;
  private size = 0;
  private readonly pending: Record<Stream, Buffer[]> = { stdout: [], stderr: [] };
  private readonly pendingBytes: Record<Stream, number> = { stdout: 0, stderr: 0 };
  private readonly maxLineBytes: number;
  private readonly maxFileBytes: number;
  private readonly maxRotatedFiles: number;

  constructor(
    readonly path: string,
    options: CriLogWriterOptions = {},
  ) {
    this.maxLineBytes = options.maxLineBytes ?? 16384;
    this.maxFileBytes = options.maxFileBytes ?? 10 * 1024 * 1024;
    this.maxRotatedFiles = options.maxRotatedFiles ?? 4;
    this.fd = openSync(path, 'a', 0o640);
    this.size = statSync(path).size;
  }

  /** Feeds a chunk of the process's output. */
  write(stream: Stream, chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) break;
      this.append(stream, chunk.subarray(start, nl));
      this.flushLine(stream, 'F');
      start = nl + 1;
    }
    if (start < chunk.length) this.append(stream, chunk.subarray(start));
  }

  /** Writes a line that did not come from the process (a supervisor event), as stderr would. */
  note(line: string): void {
    this.emit('stderr', 'F', Buffer.from(line));
  }

  /** Flushes unterminated output as a final (`F`) line and closes the file. */
  close(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.pendingBytes[stream] > 0) this.flushLine(stream, 'F');
    }
    closeSync(this.fd);
  }

  private append(stream: Stream, part: Buffer): void {
    let rest = part;
    while (this.pendingBytes[stream] + rest.length >= this.maxLineBytes && rest.length > 0) {
      const room = this.maxLineBytes - this.pendingBytes[stream];
      const cut = utf8Boundary(rest, room);
      this.pending[stream].push(rest.subarray(0, cut));
      this.pendingBytes[stream] += cut;
      rest = rest.subarray(cut);
      this.flushLine(stream, 'P');
    }
    if (rest.length > 0) {
      this.pending[stream].push(Buffer.from(rest));
      this.pendingBytes[stream] += rest.length;
    }
  }

  private flushLine(stream: Stream, tag: 'F' | 'P'): void {
    const content = Buffer.concat(this.pending[stream], this.pendingBytes[stream]);
    this.pending[stream] = [];
    this.pendingBytes[stream] = 0;
    this.emit(stream, tag, content);
  }

  private emit(stream: Stream, tag: 'F' | 'P', content: Buffer): void {
    const head = Buffer.from(criLineHead(nowNs(), stream, tag === 'P'));
    const line = Buffer.concat([head, content, NEWLINE]);
    if (this.size > 0 && this.size + line.length > this.maxFileBytes) this.rotate();
    writeSync(this.fd, line);
    this.size += line.length;
  }

  private rotate(): void {
    closeSync(this.fd);
    const stamp = formatRfc3339Nano(nowNs()).replace(/[-:]/g, '');
    renameSync(this.path, `${this.path}.${stamp}`);
    const prefix = `${basename(this.path)}.`;
    const rotated = readdirSync(dirname(this.path))
      .filter((f) => f.startsWith(prefix))
      .sort();
    for (const old of rotated.slice(0, Math.max(0, rotated.length - this.maxRotatedFiles))) {
      rmSync(join(dirname(this.path), old), { force: true });
    }
    this.fd = openSync(this.path, 'a', 0o640);
    this.size = 0;
  }
}

const NEWLINE = Buffer.from('\n');

/** Largest cut ≤ `max` that does not split a UTF-8 sequence (falls back to `max` for invalid input). */
function utf8Boundary(buf: Buffer, max: number): number {
  if (max >= buf.length) return buf.length;
  let cut = max;
  // Step back over continuation bytes (10xxxxxx) to the lead byte, at most 3.
  while (cut > 0 && max - cut < 3 && ((buf[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return cut === 0 ? max : cut;
}
