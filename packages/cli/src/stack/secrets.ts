import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Returns the secret `name` from `dir`, generating it (24 random bytes, base64url) on first use. Files
 * are mode 0600 in a 0700 directory: passwords never appear on a command line or in a log.
 */
export function ensureSecret(dir: string, name: string): string {
  // Only the secrets directory itself is private: its parents stay traversable (PostgreSQL's user needs var/).
  mkdirSync(dirname(dir), { recursive: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = randomBytes(24).toString('base64url');
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}
