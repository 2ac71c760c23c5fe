import type { Stats } from 'node:fs';
import { type FileHandle, open, readFile, rename, stat, writeFile } from 'node:fs/promises';

/** Where the tailer stands in a file, saved across restarts. */
export interface TailPosition {
  path: string;
  dev: number;
  ino: number;
  /** Byte offset just after the last complete line handed out. */
  offset: number;
}

export interface LogTailerOptions {
  /** The file to follow (nginx's access log). */
  path: string;
  /** Where the position is kept across restarts (written atomically). */
  positionsFile: string;
  /** Called for each complete line, without its newline. */
  onLine(line: string): void;
  /** Called for a line that cannot be used: cut by rotation or truncation, or longer than `maxLineBytes`. */
  onSkipped(reason: 'truncated' | 'too_long'): void;
  /** Called when the file was replaced (rotation) or shrank (truncation). */
  onReopen?(reason: 'rotated' | 'truncated'): void;
  /** Called after each poll with the bytes written and not yet read. */
  onLag?(bytes: number): void;
  /** Called when reading fails (the tailer keeps polling). */
  onError?(error: Error): void;
  /** Time between polls, in milliseconds. @default 200 */
  pollMs?: number;
  /** A longer line is skipped (reason `too_long`). @default 65536 */
  maxLineBytes?: number;
  /** How often the position is saved while running, in milliseconds. @default 1000 */
  saveEveryMs?: number;
  /**
   * How long a file replaced at the path is still read after the new one appeared, in milliseconds: nginx's
   * workers keep writing to the old file until each has reopened its logs. @default 5000
   */
  drainMs?: number;
}

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

interface OpenFile {
  handle: FileHandle;
  dev: number;
  ino: number;
  /** Offset of the next byte to read. */
  readOffset: number;
  /** Bytes of an unfinished line. */
  pending: Buffer[];
  pendingBytes: number;
  /** The pending line is already over the limit and is being skipped to its end. */
  discarding: boolean;
}

/** A rotated file still being read, until `until` (epoch ms). */
interface DrainingFile {
  file: OpenFile;
  until: number;
}

/**
 * Follows a log file by name, like `tail -F`: new lines as they are written; a file replaced at the path
 * (rotation by rename) is read to its end before the new one is opened from its start; a file that shrank
 * (truncation, copytruncate) is read again from its start. The position of the last complete line is
 * saved, so a restart resumes where it stopped when the file is still the same one (same device and inode,
 * not shorter); otherwise the current file is read from its start.
 */
export class LogTailer {
  readonly #o: Required<Omit<LogTailerOptions, 'onReopen' | 'onLag' | 'onError'>> &
    Pick<LogTailerOptions, 'onReopen' | 'onLag' | 'onError'>;
  #file: OpenFile | undefined;
  #draining: DrainingFile[] = [];
  #saved: TailPosition | undefined;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #lastSave = 0;
  #dirty = false;
  #stopped = false;

  constructor(options: LogTailerOptions) {
    // `??` and not a spread: an option passed as undefined (pollMs: options.pollMs) keeps its default.
    this.#o = {
      ...options,
      pollMs: options.pollMs ?? 200,
      maxLineBytes: options.maxLineBytes ?? 65536,
      saveEveryMs: options.saveEveryMs ?? 1000,
      drainMs: options.drainMs ?? 5000,
    };
  }

  /** Loads the saved position and starts polling. */
  async start(): Promise<void> {
    this.#saved = await loadPosition(this.#o.positionsFile, this.#o.path);
    await this.poll();
    const tick = () => {
      this.#timer = setTimeout(async () => {
        await this.poll();
        if (!this.#stopped) tick();
      }, this.#o.pollMs);
    };
    tick();
  }

  /** Reads whatever was written since the last poll. Concurrent calls share one pass. */
  poll(): Promise<void> {
    this.#polling ??= this.#poll()
      .catch((error: Error) => this.#o.onError?.(error))
      .finally(() => {
        this.#polling = undefined;
      });
    return this.#polling;
  }

  /** Stops polling after a last pass, saves the position and closes the file. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.poll();
    await this.#save(true);
    for (const d of this.#draining) await d.file.handle.close();
    this.#draining = [];
    await this.#file?.handle.close();
    this.#file = undefined;
  }

  /** The position that would be saved now. */
  position(): TailPosition | undefined {
    const f = this.#file;
    if (!f) return this.#saved;
    return { path: this.#o.path, dev: f.dev, ino: f.ino, offset: f.readOffset - f.pendingBytes };
  }

  async #poll(): Promise<void> {
    await this.#drain();
    let st: Stats | undefined;
    try {
      st = await stat(this.#o.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const f = this.#file;
    if (f && (!st || st.ino !== f.ino || st.dev !== f.dev)) {
      // Rotated: finish the old file (nginx may still be writing to it), then move on.
      await this.#readToEnd(f);
      if (!st) {
        this.#o.onLag?.(0);
        return;
      }
      this.#draining.push({ file: f, until: Date.now() + this.#o.drainMs });
      this.#file = undefined;
      this.#o.onReopen?.('rotated');
    }
    if (!st) {
      this.#o.onLag?.(0);
      return;
    }
    if (!this.#file) {
      const handle = await open(this.#o.path, 'r');
      const saved = this.#saved;
      const resume = saved && saved.dev === st.dev && saved.ino === st.ino && saved.offset <= st.size;
      this.#file = {
        handle,
        dev: st.dev,
        ino: st.ino,
        readOffset: resume ? saved.offset : 0,
        pending: [],
        pendingBytes: 0,
        discarding: false,
      };
      this.#saved = undefined;
      this.#dirty = true;
    }
    const file = this.#file;
    if (st.size < file.readOffset) {
      this.#dropPending(file);
      file.readOffset = 0;
      this.#o.onReopen?.('truncated');
    }
    const size = await this.#readToEnd(file);
    this.#o.onLag?.(Math.max(0, size - file.readOffset));
    await this.#save(false);
  }

  /** Reads what was appended to rotated files; closes those whose drain window has passed. */
  async #drain(): Promise<void> {
    const now = Date.now();
    const keep: DrainingFile[] = [];
    for (const d of this.#draining) {
      await this.#readToEnd(d.file);
      if (now < d.until && !this.#stopped) {
        keep.push(d);
        continue;
      }
      // An unfinished line at the end of a rotated file will never be finished: count it and forget it.
      this.#dropPending(d.file);
      await d.file.handle.close();
    }
    this.#draining = keep;
  }

  /** Reads from the file's offset to its current end; returns the size seen. */
  async #readToEnd(file: OpenFile): Promise<number> {
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await file.handle.read(buffer, 0, CHUNK, file.readOffset);
      if (bytesRead === 0) return file.readOffset;
      file.readOffset += bytesRead;
      this.#dirty = true;
      this.#split(file, buffer.subarray(0, bytesRead));
    }
  }

  #split(file: OpenFile, chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl === -1) {
        this.#keep(file, chunk.subarray(start));
        return;
      }
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (file.discarding || file.pendingBytes + piece.length > this.#o.maxLineBytes) {
        file.pending = [];
        file.pendingBytes = 0;
        file.discarding = false;
        this.#o.onSkipped('too_long');
        continue;
      }
      const line =
        file.pendingBytes === 0
          ? piece
          : Buffer.concat([...file.pending, piece], file.pendingBytes + piece.length);
      file.pending = [];
      file.pendingBytes = 0;
      if (line.length > 0) this.#o.onLine(line.toString('utf8'));
    }
  }

  #keep(file: OpenFile, rest: Buffer): void {
    if (rest.length === 0) return;
    if (file.discarding || file.pendingBytes + rest.length > this.#o.maxLineBytes) {
      // Keep counting the bytes (the saved position stays before the line) but not the content.
      file.discarding = true;
      file.pending = [];
      file.pendingBytes += rest.length;
      return;
    }
    file.pending.push(Buffer.from(rest));
    file.pendingBytes += rest.length;
  }

  /** An unfinished line at a rotation or truncation will never be finished: count it and forget it. */
  #dropPending(file: OpenFile): void {
    if (file.pendingBytes > 0) this.#o.onSkipped(file.discarding ? 'too_long' : 'truncated');
    file.pending = [];
    file.pendingBytes = 0;
    file.discarding = false;
  }

  async #save(force: boolean): Promise<void> {
    const now = Date.now();
    if (!this.#dirty || (!force && now - this.#lastSave < this.#o.saveEveryMs)) return;
    const position = this.position();
    if (!position) return;
    const tmp = `${this.#o.positionsFile}.tmp`;
    await writeFile(tmp, `${JSON.stringify(position)}\n`);
    await rename(tmp, this.#o.positionsFile);
    this.#lastSave = now;
    this.#dirty = false;
  }
}

/** The saved position for `path`, or undefined when there is none (or it is unreadable). */
async function loadPosition(file: string, path: string): Promise<TailPosition | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const p = JSON.parse(text) as TailPosition;
    if (
      p.path === path &&
      Number.isSafeInteger(p.dev) &&
      Number.isSafeInteger(p.ino) &&
      Number.isSafeInteger(p.offset) &&
      p.offset >= 0
    ) {
      return p;
    }
  } catch {}
  return undefined;
}
