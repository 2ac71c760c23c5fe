/**
 * Keeps what only the owner may read private: directories 0700, files (databases, queues, positions,
 * secrets) 0600. Checked on every start, not only at creation, because a mode can drift (a copy, an
 * archive restore, an older release that created the file 0644, a umask of 000): each call compares the
 * mode with the wanted one and fixes it, reporting every fix once as a log line.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** The mode of private directories. */
export const PRIVATE_DIR_MODE = 0o700;
/** The mode of private files. */
export const PRIVATE_FILE_MODE = 0o600;

/** One mode that was wrong and has been fixed. */
export interface ModeFix {
  path: string;
  /** The permission bits found (e.g. 0o644). */
  from: number;
  /** The permission bits set (0o700 or 0o600). */
  to: number;
}

/** How fixes are reported. */
export interface PrivatePathOptions {
  /**
   * Called once per fixed mode.
   * @default one JSON log line at level WARN on stderr (see {@link modeFixLine})
   */
  onFix?: (fix: ModeFix) => void;
  /**
   * The `service` field of the default log line.
   * @default 'opsight'
   */
  service?: string;
}

/** Options of {@link ensurePrivateFile}. */
export interface PrivateFileOptions extends PrivatePathOptions {
  /**
   * Create the file (empty, 0600) when it does not exist, so that a database opened next is never
   * created with the umask's mode even for an instant.
   * @default false (a missing file is left missing)
   */
  create?: boolean;
}

const octal = (mode: number): string => `0${(mode & 0o777).toString(8).padStart(3, '0')}`;

/** The default report of a fix: a JSON log line in the services' log format. */
export function modeFixLine(fix: ModeFix, service = 'opsight'): string {
  return `${JSON.stringify({
    timestamp: new Date().toISOString(),
    level: 'WARN',
    service,
    message: `mode of ${fix.path} was ${octal(fix.from)}, set to ${octal(fix.to)}`,
    path: fix.path,
    mode_before: octal(fix.from),
    mode_after: octal(fix.to),
  })}\n`;
}

function report(fix: ModeFix, options: PrivatePathOptions): void {
  if (options.onFix) options.onFix(fix);
  else process.stderr.write(modeFixLine(fix, options.service));
}

function enforce(
  path: string,
  wanted: number,
  options: PrivatePathOptions,
  created: boolean,
): ModeFix | undefined {
  const found = statSync(path).mode & 0o7777;
  if (found === wanted) return undefined;
  chmodSync(path, wanted);
  // A path created just now only lost bits to the umask: nothing was exposed, nothing to report.
  if (created) return undefined;
  const fix = { path, from: found, to: wanted };
  report(fix, options);
  return fix;
}

/**
 * Creates `dir` (and missing parents) when absent, then makes `dir` itself 0700; parents are created
 * with the umask's mode and left as they are (other users may need to traverse them). Returns the fix
 * made, if any. Throws when the mode cannot be set (a directory of another user).
 */
export function ensurePrivateDir(dir: string, options: PrivatePathOptions = {}): ModeFix | undefined {
  const created = !existsSync(dir);
  if (created) {
    mkdirSync(dirname(dir), { recursive: true });
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  }
  return enforce(dir, PRIVATE_DIR_MODE, options, created);
}

/**
 * Makes `file` 0600 when it exists (creating it empty first with `create`). Returns the fix made, if
 * any. Throws when the mode cannot be set (a file of another user).
 */
export function ensurePrivateFile(file: string, options: PrivateFileOptions = {}): ModeFix | undefined {
  const created = !existsSync(file);
  if (created) {
    if (!options.create) return undefined;
    closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  }
  return enforce(file, PRIVATE_FILE_MODE, options, created);
}

/**
 * A SQLite database and its companions: makes `file` 0600 (created empty first unless it exists) and
 * its `-wal`, `-shm` and `-journal` files 0600 where they exist. Call it before opening the database
 * and again after (SQLite creates the companions with the database file's mode, but an older file may
 * have been left with another).
 */
export function ensurePrivateDatabase(file: string, options: PrivatePathOptions = {}): ModeFix[] {
  const fixes: ModeFix[] = [];
  const main = ensurePrivateFile(file, { ...options, create: true });
  if (main) fixes.push(main);
  for (const suffix of ['-wal', '-shm', '-journal']) {
    const fix = ensurePrivateFile(`${file}${suffix}`, options);
    if (fix) fixes.push(fix);
  }
  return fixes;
}
