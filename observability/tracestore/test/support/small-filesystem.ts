// A small file system for disk-full tests: a tmpfs of the given size mounted on a fresh directory, unmounted
// and removed when the test ends. Mounting needs root; elsewhere the test is skipped with the reason.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface TestContext {
  after: (fn: () => void) => void;
  skip: (message?: string) => void;
}

/** Mounts a tmpfs of `size` (e.g. '8m'); returns its path, or null after skipping the test. */
export function smallFilesystem(t: TestContext, size: string): string | null {
  if (process.getuid?.() !== 0) {
    t.skip('mounting a tmpfs needs root; run the unit tests as root to exercise a full disk');
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tracestore-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    t.skip(
      `mount -t tmpfs failed (${(error as Error).message.split('\n')[0]}); no small file system to fill`,
    );
    return null;
  }
  t.after(() => {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Writes `file` until the file system refuses (ENOSPC); returns the bytes written. */
export function fillFilesystem(file: string): number {
  const fd = openSync(file, 'w');
  let written = 0;
  try {
    for (const size of [1024 * 1024, 64 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 0x55);
      for (;;) {
        try {
          written += writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}
