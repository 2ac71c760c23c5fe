// The positions file: for each log file, by identity (device + inode + fingerprint of its first bytes,
// see file-identity.ts), the byte offset up to which every entry has been acknowledged by the store or
// definitively dropped (and counted). Keyed by identity, not by path, so a renamed (rotated) file keeps
// its position and a new file under the old path, or a reused inode, starts from 0.
//
// Format (version 2): {"version":2,"savedAt":<ms>,"files":[{dev,ino,fp,fpLen,offset,size,path}]}.
// `size` is the file's size when last seen, so a file deleted while the collector was down can be
// reported with a lower bound of the bytes it lost. The version 1 format ({"positions":{path:{offset,
// inode}}}) is read as "legacy" positions, adopted by a file at the same path with the same inode, and
// not written again.
//
// Written atomically (write to a temporary file, then rename): a kill -9 leaves the previous or the
// new version, never a torn one. An unreadable file starts every file from the beginning (at-least-once:
// duplicates, which the store keeps once, rather than loss).
//
// Mode 0600 (paths of other pods' logs are not for other users): checked when it is opened, and every
// version is written 0600.
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { ensurePrivateFile } from '@opsight/private-files';
import type { Fingerprint } from './file-identity.js';

export interface Position {
  dev: number;
  ino: number;
  fp: Fingerprint;
  /** Everything before this offset is acknowledged or dropped. */
  offset: number;
  /** The file's size when last seen. */
  size: number;
  /** The path it was last seen under (for messages only). */
  path: string;
}

interface LegacyPosition {
  offset: number;
  inode: number;
}

export class Positions {
  private readonly map = new Map<string, Position>();
  private readonly legacy = new Map<string, LegacyPosition>();
  private dirty = false;
  /** When the file was last written, ms since the epoch (0 when there is none: a first start). */
  readonly savedAt: number;

  constructor(private readonly file: string) {
    ensurePrivateFile(file, { service: 'collector' });
    // A temporary file left by a kill keeps its mode through writeFileSync; the rename would publish it.
    ensurePrivateFile(`${file}.tmp`, { service: 'collector' });
    let savedAt = 0;
    try {
      const doc = JSON.parse(readFileSync(file, 'utf8')) as {
        version?: number;
        savedAt?: number;
        files?: unknown[];
        positions?: Record<string, LegacyPosition>;
      };
      // A version 1 file has no savedAt: its modification time stands in.
      savedAt = typeof doc.savedAt === 'number' ? doc.savedAt : statSync(file).mtimeMs;
      for (const v of Array.isArray(doc.files) ? doc.files : []) {
        const p = v as Partial<Position> & { fpLen?: unknown; fp?: unknown };
        if (
          typeof p.dev === 'number' &&
          typeof p.ino === 'number' &&
          typeof p.offset === 'number' &&
          typeof p.fp === 'string' &&
          typeof p.fpLen === 'number'
        ) {
          this.map.set(`${p.dev}:${p.ino}`, {
            dev: p.dev,
            ino: p.ino,
            fp: { hash: p.fp, len: p.fpLen },
            offset: p.offset,
            size: typeof p.size === 'number' ? p.size : p.offset,
            path: typeof p.path === 'string' ? p.path : '',
          });
        }
      }
      for (const [path, v] of Object.entries(doc.positions ?? {})) {
        if (typeof v?.offset === 'number' && typeof v?.inode === 'number') this.legacy.set(path, v);
      }
    } catch {
      // A missing or unreadable positions file starts every file from the beginning.
    }
    this.savedAt = savedAt;
  }

  get(key: string): Position | undefined {
    return this.map.get(key);
  }

  /** A version 1 position saved for this path and inode, taken once. */
  takeLegacy(path: string, ino: number): number | undefined {
    const v = this.legacy.get(path);
    if (!v || v.inode !== ino) return undefined;
    this.legacy.delete(path);
    this.dirty = true;
    return v.offset;
  }

  set(key: string, p: Position): void {
    this.map.set(key, p);
    this.dirty = true;
  }

  delete(key: string): void {
    if (this.map.delete(key)) this.dirty = true;
  }

  keys(): string[] {
    return [...this.map.keys()];
  }

  save(): void {
    if (!this.dirty) return;
    const tmp = `${this.file}.tmp`;
    const files = [...this.map.values()].map((p) => ({
      dev: p.dev,
      ino: p.ino,
      fp: p.fp.hash,
      fpLen: p.fp.len,
      offset: p.offset,
      size: p.size,
      path: p.path,
    }));
    writeFileSync(tmp, JSON.stringify({ version: 2, savedAt: Date.now(), files }), { mode: 0o600 });
    renameSync(tmp, this.file);
    this.dirty = false;
  }
}
