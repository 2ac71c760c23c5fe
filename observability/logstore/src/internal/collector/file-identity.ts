// A log file's identity: device + inode + a fingerprint of its first bytes. Paths are not identities:
// rotation renames a file (same identity, new path) and starts a new file under the old path, and a
// filesystem may give a deleted file's inode to a new file (same device and inode, other content): the
// fingerprint tells those apart.
//
// The fingerprint is the SHA-256 of the file's first FINGERPRINT_BYTES bytes, or of all of it while the
// file is shorter. It grows with the file: a saved fingerprint of `len` bytes matches a file whose first
// `len` bytes hash the same, and is then extended.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/** Bytes of the file's head covered by a full fingerprint (as Alloy/Vector's checksum fingerprints). */
export const FINGERPRINT_BYTES = 1024;

export interface Fingerprint {
  /** Bytes hashed: min(file size, FINGERPRINT_BYTES) when taken. */
  len: number;
  /** Hex SHA-256 of those bytes. */
  hash: string;
}

/** The identity key of a file: `<dev>:<ino>`. */
export function identityKey(dev: number | bigint, ino: number | bigint): string {
  return `${dev}:${ino}`;
}

/** Hashes the first `len` bytes of an open file; undefined when the file is shorter than `len`. */
export async function hashHead(fh: FileHandle, len: number): Promise<string | undefined> {
  const buf = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  if (got < len) return undefined;
  return createHash('sha256').update(buf).digest('hex');
}

/** Takes the fingerprint of an open file of `size` bytes. */
export async function takeFingerprint(fh: FileHandle, size: number): Promise<Fingerprint> {
  const len = Math.min(size, FINGERPRINT_BYTES);
  return { len, hash: (await hashHead(fh, len)) ?? (await hashHead(fh, 0))! };
}

/**
 * Whether the open file still starts with the bytes `fp` was taken from (same content, not a truncated
 * and rewritten or a reused-inode file).
 */
export async function matchesFingerprint(fh: FileHandle, fp: Fingerprint): Promise<boolean> {
  return (await hashHead(fh, fp.len)) === fp.hash;
}
