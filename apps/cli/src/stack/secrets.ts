import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, ensurePrivateFile } from '@opsight/private-files';

/**
 * Returns the secret `name` from `dir`, generating it (24 random bytes, base64url) on first use. Files
 * are mode 0600 in a 0700 directory, checked (and fixed, with a log line) on every start: passwords never
 * appear on a command line or in a log, and no other user reads them.
 */
export function ensureSecret(dir: string, name: string): string {
  // Only the secrets directory itself is private: its parents stay traversable (PostgreSQL's user needs var/).
  ensurePrivateDir(dir, { service: 'opsight' });
  const file = join(dir, name);
  if (existsSync(file)) {
    ensurePrivateFile(file, { service: 'opsight' });
    return readFileSync(file, 'utf8').trim();
  }
  const value = randomBytes(24).toString('base64url');
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}
