// A set of tokens, each tied to one tenant, matched in constant time.
//
// Tokens are kept only as SHA-256 digests. A presented token is hashed and compared with every stored digest
// by crypto.timingSafeEqual (equal lengths by construction), without stopping at a match, so the time of a
// check depends on the number of tokens, never on how much of a token was right.
import crypto from 'node:crypto';

/** One line of a token file: a token and the tenant it authenticates. */
export interface TenantToken {
  tenant: string;
  token: string;
}

const digest = (token: string): Buffer => crypto.createHash('sha256').update(token, 'utf8').digest();

/** Constant-time equality of two strings: compares their SHA-256 digests with timingSafeEqual. */
export function tokensEqual(a: string, b: string): boolean {
  return crypto.timingSafeEqual(digest(a), digest(b));
}

export class TokenSet {
  private readonly entries: ReadonlyArray<{ tenant: string; hash: Buffer }>;
  private readonly tenantNames: ReadonlySet<string>;

  constructor(tokens: readonly TenantToken[]) {
    this.entries = tokens.map((t) => ({ tenant: t.tenant, hash: digest(t.token) }));
    this.tenantNames = new Set(tokens.map((t) => t.tenant));
  }

  /** The tenant a token authenticates, or undefined. Every stored token is compared, in constant time each. */
  tenantFor(token: string): string | undefined {
    const given = digest(token);
    let found: string | undefined;
    for (const e of this.entries) {
      if (crypto.timingSafeEqual(given, e.hash) && found === undefined) found = e.tenant;
    }
    return found;
  }

  /** The tenants that have at least one token. */
  tenants(): string[] {
    return [...this.tenantNames];
  }

  /** Number of tokens. */
  get size(): number {
    return this.entries.length;
  }
}
