// A token file kept current without a restart: its inode, size and mtime are polled (every `pollMs`, and
// on access when the last look is older than that); a change re-reads it. A file that fails to parse at
// start throws (the process should exit with the message); one that fails on reload keeps the previous
// tokens and reports the error, so a half-written edit never locks everyone out.
import { readFileSync, statSync } from 'node:fs';
import { TokenSet } from './token-set.js';
import { parseTokensFile } from './tokens-file-format.js';

export interface TokensFileOptions {
  /** How often the file is checked for changes, in ms; 0 checks on every access instead. @default 1000 */
  pollMs?: number;
  /** Called with the error when a reload fails (previous tokens kept). @default writes a JSON line to stderr */
  onReloadError?: (error: Error) => void;
  /** Called after a successful reload. @default nothing */
  onReload?: (tokens: TokenSet) => void;
}

export class TokensFile {
  private current: TokenSet;
  private signature: string;
  private checkedAt = Date.now();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly pollMs: number;

  /** Loads the file; throws (TokensFileError or an I/O error) when it cannot be used. */
  constructor(
    readonly path: string,
    private readonly options: TokensFileOptions = {},
  ) {
    this.signature = this.stat();
    this.current = this.read();
    this.pollMs = options.pollMs ?? 1000;
    if (this.pollMs > 0) {
      this.timer = setInterval(() => this.refresh(), this.pollMs);
      this.timer.unref();
    }
  }

  private stat(): string {
    const s = statSync(this.path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  }

  private read(): TokenSet {
    const set = new TokenSet(parseTokensFile(readFileSync(this.path, 'utf8'), this.path));
    if (set.size === 0)
      throw new Error(`${this.path}: no tokens (an empty token file would refuse everyone)`);
    return set;
  }

  /** Re-reads the file if it changed since the last look. Never throws. */
  refresh(): void {
    this.checkedAt = Date.now();
    try {
      const sig = this.stat();
      if (sig === this.signature) return;
      const next = this.read();
      this.signature = sig;
      this.current = next;
      this.options.onReload?.(next);
    } catch (e) {
      // Remember the failing signature too, so one bad edit is reported once, not every second.
      try {
        this.signature = this.stat();
      } catch {}
      (this.options.onReloadError ?? defaultReport)(e as Error);
    }
  }

  /** The current tokens (checked for a change first when the last look is older than `pollMs`). */
  tokens(): TokenSet {
    if (this.pollMs === 0 || Date.now() - this.checkedAt >= this.pollMs) this.refresh();
    return this.current;
  }

  /** The tenant a token authenticates, or undefined. */
  tenantFor(token: string): string | undefined {
    return this.tokens().tenantFor(token);
  }

  /** The tenants that have at least one token. */
  tenants(): string[] {
    return this.tokens().tenants();
  }

  /** Stops polling. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

function defaultReport(error: Error): void {
  process.stderr.write(
    `${JSON.stringify({
      timestamp: new Date().toISOString(),
      level: 'ERROR',
      message: 'token file not reloaded; the previous tokens stay in force',
      error: error.message,
    })}\n`,
  );
}
