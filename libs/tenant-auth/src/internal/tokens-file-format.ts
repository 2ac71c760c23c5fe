// The token file's format, shared by every reader and writer of it:
//
//   # comment
//   <tenant> <token>
//
// One `<tenant> <token>` pair per line, separated by spaces or tabs; `#` starts a comment line; blank lines
// are ignored. A tenant may have several lines (several tokens: rotate by adding the new one, moving clients,
// then removing the old one). Tenants follow Loki's tenant-ID rule (letters, digits and !-_.*'(), at most
// 150); tokens are at least 16 characters without whitespace, and one token belongs to one tenant only.
import type { TenantToken } from './token-set.js';

/** Loki's tenant-ID characters and length. */
export const TENANT_PATTERN = /^[a-zA-Z0-9!\-_.*'()]{1,150}$/;

/** Shortest accepted token, in characters. */
export const MIN_TOKEN_LENGTH = 16;

/** A line of a token file that cannot be read; `line` is 1-based. */
export class TokensFileError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${source}:${line}: ${reason}`);
    this.name = 'TokensFileError';
  }
}

/** Parses a token file's text; throws TokensFileError naming the first malformed line. */
export function parseTokensFile(text: string, source = 'tokens file'): TenantToken[] {
  const out: TenantToken[] = [];
  const owner = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/[ \t]+/);
    const fail = (reason: string): never => {
      throw new TokensFileError(source, i + 1, reason);
    };
    if (fields.length !== 2) fail(`expected "<tenant> <token>", got ${fields.length} field(s)`);
    const [tenant, token] = fields as [string, string];
    if (!TENANT_PATTERN.test(tenant))
      fail(`tenant "${tenant.slice(0, 40)}" has characters outside [a-zA-Z0-9!-_.*'()] or is too long`);
    if (token.length < MIN_TOKEN_LENGTH)
      fail(`the token of tenant "${tenant}" is shorter than ${MIN_TOKEN_LENGTH} characters`);
    const previous = owner.get(token);
    if (previous !== undefined && previous !== tenant)
      fail(`the token of tenant "${tenant}" is already the token of tenant "${previous}"`);
    owner.set(token, tenant);
    out.push({ tenant, token });
  }
  return out;
}

/** Writes tokens in the file's format (with a header comment). */
export function formatTokensFile(tokens: readonly TenantToken[], header?: string): string {
  const head = header ? `${header.replace(/^/gm, '# ')}\n` : '';
  return head + tokens.map((t) => `${t.tenant} ${t.token}\n`).join('');
}
