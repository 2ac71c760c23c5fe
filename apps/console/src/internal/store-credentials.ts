import { readFile, stat } from 'node:fs/promises';

/**
 * What the console itself says to the log and trace stores on every proxied request. The browser's own
 * `X-Scope-OrgID` and `Authorization` are never forwarded: the tenant is the console's setting, not the
 * page's choice.
 */
export interface StoreCredentials {
  /**
   * Tenant sent as `X-Scope-OrgID` to the log and trace stores.
   * @default none (no header: a single-tenant store answers for its default tenant)
   */
  tenant?: string;
  /**
   * File holding the bearer token sent to the log and trace stores (first line, surrounding whitespace
   * ignored). Read again when its modification time changes, so a rotated token is used without a
   * restart.
   * @default none (no Authorization header)
   */
  tokenFile?: string;
}

/** Tenant names the stores accept (Loki's rules: no `|`, at most 150 characters, printable ASCII). */
const TENANT = /^[A-Za-z0-9!_.*'()-]{1,150}$/;

/** Throws when `tenant` is not one the stores would accept. */
export function checkTenant(tenant: string): void {
  if (!TENANT.test(tenant) || tenant === '.' || tenant === '..')
    throw new Error(`tenant ${JSON.stringify(tenant)} is not a valid X-Scope-OrgID`);
}

/** Builds the headers for the stores from {@link StoreCredentials}; the token file is re-read on change. */
export function storeHeaders(credentials: StoreCredentials): () => Promise<Record<string, string>> {
  if (credentials.tenant !== undefined) checkTenant(credentials.tenant);
  let cached: { key: string; token: string } | undefined;
  return async () => {
    const headers: Record<string, string> = {};
    if (credentials.tenant) headers['x-scope-orgid'] = credentials.tenant;
    if (credentials.tokenFile) {
      const st = await stat(credentials.tokenFile);
      const key = `${st.mtimeMs}:${st.size}:${st.ino}`;
      if (cached?.key !== key) {
        const token = (await readFile(credentials.tokenFile, 'utf8')).split('\n')[0]?.trim() ?? '';
        if (!token) throw new Error(`store token file ${credentials.tokenFile} is empty`);
        cached = { key, token };
      }
      headers.authorization = `Bearer ${cached.token}`;
    }
    return headers;
  };
}
