// The tenant an OTLP export or a query acts as. With a token file (`--auth-tokens-file`) it is the bearer
// token's tenant, and an X-Scope-OrgID naming another tenant is refused (403 TENANT_MISMATCH); the rule is
// @opsight/tenant-auth's, shared with the log store. Without one, every request is the single tenant
// `fake` (X-Scope-OrgID is ignored, as before), behind the optional shared TRACESTORE_BEARER_TOKEN.
import { requestTenant, type TenantAuthenticator } from '@opsight/tenant-auth';
import { TraceStoreError } from '../error-codes.js';
import { bearerAllowed } from '../http/bearer-auth.js';

/** The tenant of a store without tenancy, and the one whose data lives directly in the data directory. */
export const DEFAULT_TENANT = 'fake';

export interface TenantAccess {
  /** Token file (or set) mapping tokens to tenants. @default undefined (single tenant) */
  auth?: TenantAuthenticator;
  /** The older shared token, for the single tenant; ignored when `auth` is set. @default undefined */
  bearerToken?: string;
}

/** Decides a request's tenant from its headers (or gRPC metadata); throws TraceStoreError when refused. */
export function tenantOfRequest(
  access: TenantAccess,
  authorization: string | string[] | undefined,
  orgId: string | string[] | undefined,
): string {
  if (!access.auth) {
    const value = Array.isArray(authorization) ? authorization[0] : authorization;
    if (!bearerAllowed(access.bearerToken, value))
      throw new TraceStoreError('UNAUTHORIZED', 'a valid bearer token is required', 'authorization');
    return DEFAULT_TENANT;
  }
  const d = requestTenant(access.auth, authorization, orgId);
  if (d.ok) return d.tenant!;
  throw new TraceStoreError(d.code, d.message, d.field === 'Authorization' ? 'authorization' : d.field);
}
