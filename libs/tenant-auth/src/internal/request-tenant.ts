// Which tenant a request acts as, decided the same way by both stores:
//
// - No authenticator configured: the X-Scope-OrgID header (or the store's default tenant), as today.
// - Authenticator configured: `Authorization: Bearer <token>` must name a known token (401 UNAUTHORIZED,
//   field Authorization); the tenant is the token's. An X-Scope-OrgID that names another tenant is refused
//   (403 TENANT_MISMATCH, field X-Scope-OrgID); a missing one takes the token's tenant.

/** What maps a token to its tenant (a TokenSet or a TokensFile). */
export interface TenantAuthenticator {
  tenantFor(token: string): string | undefined;
  tenants(): string[];
}

export type TenantDecision =
  | { ok: true; tenant: string | undefined }
  | {
      ok: false;
      status: 401 | 403;
      code: 'UNAUTHORIZED' | 'TENANT_MISMATCH';
      field: 'Authorization' | 'X-Scope-OrgID';
      message: string;
    };

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or undefined. */
export function bearerToken(authorization: string | string[] | undefined): string | undefined {
  const value = Array.isArray(authorization) ? authorization[0] : authorization;
  const m = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(value ?? '');
  return m?.[1];
}

/**
 * Decides the tenant of a request. With no authenticator it returns the header's tenant (undefined when
 * absent: the store applies its own default and checks); with one, the token's tenant or a refusal.
 */
export function requestTenant(
  auth: TenantAuthenticator | undefined,
  authorization: string | string[] | undefined,
  orgId: string | string[] | undefined,
): TenantDecision {
  const header = (Array.isArray(orgId) ? orgId[0] : orgId) || undefined;
  if (!auth) return { ok: true, tenant: header };
  const token = bearerToken(authorization);
  const tenant = token === undefined ? undefined : auth.tenantFor(token);
  if (tenant === undefined)
    return {
      ok: false,
      status: 401,
      code: 'UNAUTHORIZED',
      field: 'Authorization',
      message: 'missing or invalid bearer token',
    };
  if (header !== undefined && header !== tenant)
    return {
      ok: false,
      status: 403,
      code: 'TENANT_MISMATCH',
      field: 'X-Scope-OrgID',
      message: `X-Scope-OrgID "${header.slice(0, 150)}" is not the tenant of this token`,
    };
  return { ok: true, tenant };
}
