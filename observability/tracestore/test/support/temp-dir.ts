// Temporary directories that tests remove when they finish.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'tracestore-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
