// Who a request is: the bearer token it must carry (when the store has tokens) and the tenant it acts for.
import type { IncomingMessage } from 'node:http';
import { requestTenant, type TenantAuthenticator, tokensEqual } from '@opsight/tenant-auth';
import { LogStoreError } from '../api/log-store-error.js';

/** The tenant of requests without X-Scope-OrgID in single-tenant mode, as Loki names it. */
const SINGLE_TENANT = 'fake';

/** How requests are authenticated and given a tenant. */
export interface AccessOptions {
  /** Tenancy by token: the tenant is the token's. @default undefined */
  tenantAuth?: TenantAuthenticator;
  /** One shared token for every API request; the tenant is still X-Scope-OrgID. @default undefined */
  authToken?: string;
  /** X-Scope-OrgID is required (Loki's auth_enabled). @default false */
  requireTenant?: boolean;
}

/** The access checks of one store. */
export interface Access {
  /** Refuses a request without a valid token (401), when the store has tokens. */
  checkAuth(req: IncomingMessage): void;
  /** The tenant a request acts for; refuses a missing, malformed or foreign one. */
  tenantOf(req: IncomingMessage): string;
}

export function createAccess(options: AccessOptions): Access {
  const { tenantAuth } = options;
  return {
    checkAuth(req) {
      if (tenantAuth) {
        // Any known token may reach the API; which tenant it acts as is tenantOf's business.
        const d = requestTenant(tenantAuth, req.headers.authorization, undefined);
        if (!d.ok) throw new LogStoreError(d.code, d.message, { status: d.status, field: d.field });
        return;
      }
      if (!options.authToken) return;
      if (!tokensEqual(req.headers.authorization ?? '', `Bearer ${options.authToken}`)) {
        throw new LogStoreError('UNAUTHORIZED', 'missing or invalid bearer token', {
          field: 'Authorization',
        });
      }
    },
    tenantOf(req) {
      if (tenantAuth) {
        const d = requestTenant(tenantAuth, req.headers.authorization, req.headers['x-scope-orgid']);
        if (!d.ok) throw new LogStoreError(d.code, d.message, { status: d.status, field: d.field });
        return d.tenant!;
      }
      const h = req.headers['x-scope-orgid'];
      const t = Array.isArray(h) ? h[0] : h;
      if (!t) {
        if (options.requireTenant)
          throw new LogStoreError('NO_ORG_ID', 'no org id', { field: 'X-Scope-OrgID' });
        return SINGLE_TENANT;
      }
      if (t.includes('|'))
        throw new LogStoreError('MULTIPLE_TENANTS', 'multiple tenants are not supported by this endpoint', {
          field: 'X-Scope-OrgID',
        });
      if (!/^[a-zA-Z0-9!\-_.*'()]{1,150}$/.test(t))
        throw new LogStoreError('INVALID_TENANT', `tenant ID '${t}' contains unsupported characters`, {
          field: 'X-Scope-OrgID',
        });
      return t;
    },
  };
}
