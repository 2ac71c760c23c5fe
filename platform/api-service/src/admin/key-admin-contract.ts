/**
 * The key admin API's wire contract (`/admin/v1/keys`), shared by the service's routes and the typed
 * client: paths, bodies and answers. Field names are snake_case, times RFC 3339.
 */

/** The admin API's path prefix. */
export const ADMIN_API_PREFIX = '/admin/v1';

/** Paths of the key admin API; `{key}` is a key's id (`key_…`) or display prefix (`sk-` + 8). */
export const KEY_ADMIN_PATHS = {
  /** `POST` creates a key, `GET` lists keys (`?user_id=` for one user's). */
  keys: `${ADMIN_API_PREFIX}/keys`,
  /** `POST` revokes a key (idempotent). */
  revoke: (key: string) => `${ADMIN_API_PREFIX}/keys/${encodeURIComponent(key)}/revoke`,
  /** `POST` gives a key a new secret; the old one stops authenticating. */
  rotate: (key: string) => `${ADMIN_API_PREFIX}/keys/${encodeURIComponent(key)}/rotate`,
} as const;

/** Longest key lifetime accepted at creation: ten years. */
export const MAX_KEY_LIFETIME_SECONDS = 10 * 365 * 86_400;
/** Largest per-key limit (requests or tokens per minute): PostgreSQL's integer. */
export const MAX_KEY_LIMIT = 2 ** 31 - 1;
/** Longest key name. */
export const MAX_KEY_NAME_LENGTH = 200;

/** `POST /admin/v1/keys` body. */
export interface CreateKeyBody {
  /** The key's owner: 1 to 128 printable ASCII characters. */
  user_id: string;
  /** A label for people (`ci`, `laptop`). */
  name?: string;
  /** Lifetime in seconds (fractions allowed); none for a key that never expires. */
  expires_in_seconds?: number;
  /** Requests per minute; none for the service's default. */
  rpm_limit?: number;
  /** Tokens per minute; none for the service's default. */
  tpm_limit?: number;
}

/** An API key's record as the admin API answers it (never its secret). */
export interface ApiKeyJson {
  id: string;
  user_id: string;
  name: string | null;
  /** The key's first characters, for display (`sk-3fQ9xk2P`). */
  prefix: string;
  status: 'active' | 'revoked';
  rpm_limit: number | null;
  tpm_limit: number | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

/** Answer of create (201) and rotate (200): the record and the secret, shown this once. */
export interface IssuedKeyJson {
  api_key: ApiKeyJson;
  /** The key itself (`sk-…`): only its SHA-256 hash is stored. */
  secret: string;
}

/** Answer of revoke. */
export interface RevokedKeyJson {
  api_key: ApiKeyJson;
}

/** Answer of list: newest first. */
export interface KeyListJson {
  object: 'list';
  data: ApiKeyJson[];
}

/** An error answer (the service's catalogue shape). */
export interface AdminErrorJson {
  error: { message: string; type: string; code: string; param: string | null };
}
