// The positions file: for each log file, the byte offset up to which every entry has been
// acknowledged by the store (and the file's inode, to notice rotation). Written atomically.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface Position {
  offset: number;
  inode: number;
}

export class Positions {
  private readonly map = new Map<string, Position>();
  private dirty = false;

  constructor(private readonly file: string) {
    try {
      const doc = JSON.parse(readFileSync(file, 'utf8')) as { positions?: Record<string, Position> };
      for (const [k, v] of Object.entries(doc.positions ?? {})) {
        if (typeof v?.offset === 'number' && typeof v?.inode === 'number') this.map.set(k, v);
      }
    } catch {
      // A missing or unreadable positions file starts every file from the beginning.
    }
  }

  get(path: string): Position | undefined {
    return this.map.get(path);
  }

  set(path: string, p: Position): void {
    this.map.set(path, p);
    this.dirty = true;
  }

  delete(path: string): void {
    if (this.map.delete(path)) this.dirty = true;
  }

  paths(): string[] {
    return [...this.map.keys()];
  }

  save(): void {
    if (!this.dirty) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ positions: Object.fromEntries(this.map) }));
    renameSync(tmp, this.file);
    this.dirty = false;
  }
}
