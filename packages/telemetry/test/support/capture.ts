import { Writable } from 'node:stream';

/** A pino destination that keeps every line in memory, for tests that read real logger output. */
export class LineCapture extends Writable {
  readonly lines: string[] = [];
  #partial = '';

  override _write(
    chunk: Buffer | string,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    const text = this.#partial + chunk.toString();
    const parts = text.split('\n');
    this.#partial = parts.pop() ?? '';
    this.lines.push(...parts);
    callback();
  }

  /** Every line parsed as JSON (throws if one is not). */
  records(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  clear(): void {
    this.lines.length = 0;
  }
}
