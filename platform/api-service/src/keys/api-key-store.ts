import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';

/** An API key's record, without its secret. */
export interface ApiKeyRecord {
  /** Public id (the `key_id` of logs and of the expiry metric). */
  id: string;
  userId: string;
  name: string | null;
  /** The first characters of the key, for display (`sk-3fQ9xk2P`). */
  prefix: string;
  status: 'active' | 'revoked';
  /** Requests per minute; null for the service's default. */
  rpmLimit: number | null;
  /** Tokens per minute; null for the service's default. */
  tpmLimit: number | null;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** What `create` returns: the record and the key itself, which is shown once and never stored. */
export interface CreatedApiKey {
  record: ApiKeyRecord;
  key: string;
}

export interface CreateApiKeyOptions {
  userId: string;
  name?: string;
  /** Lifetime in milliseconds; none for a key that never expires. */
  expiresInMs?: number;
  rpmLimit?: number;
  tpmLimit?: number;
}

/** Keys are `sk-` and 43 characters of base64url (32 random bytes). */
export const API_KEY_PATTERN = /^sk-[A-Za-z0-9_-]{43}$/;
const PREFIX_LENGTH = 11;
const USER_ID = /^[\x21-\x7e]{1,128}$/;

/** A display prefix matches several keys: address the key by its id. */
export class AmbiguousApiKeyError extends RangeError {
  override readonly name = 'AmbiguousApiKeyError';
  constructor(
    readonly target: string,
    readonly matches: number,
  ) {
    super(`"${target}" matches ${matches} keys; use the key's id`);
  }
}

/** The key is revoked: it cannot get a new secret. */
export class RevokedApiKeyError extends Error {
  override readonly name = 'RevokedApiKeyError';
  constructor(readonly id: string) {
    super(`the API key ${id} is revoked`);
  }
}

function newSecret(): string {
  return `sk-${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 of a key: what the database stores and looks up. */
export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

interface Row {
  id: string;
  user_id: string;
  name: string | null;
  prefix: string;
  status: 'active' | 'revoked';
  rpm_limit: number | null;
  tpm_limit: number | null;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'id, user_id, name, prefix, status, rpm_limit, tpm_limit, created_at, expires_at, revoked_at';

function toRecord(r: Row): ApiKeyRecord {
  return {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    prefix: r.prefix,
    status: r.status,
    rpmLimit: r.rpm_limit,
    tpmLimit: r.tpm_limit,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  };
}

/** API keys in PostgreSQL, stored as SHA-256 hashes with a display prefix. */
export class ApiKeyStore {
  constructor(private readonly pool: Pool) {}

  /** Creates a key for a user; the returned `key` is the only copy of the secret. */
  async create(options: CreateApiKeyOptions): Promise<CreatedApiKey> {
    if (!USER_ID.test(options.userId)) throw new RangeError('user id must be 1 to 128 printable characters');
    for (const [field, v] of [
      ['rpmLimit', options.rpmLimit],
      ['tpmLimit', options.tpmLimit],
    ] as const) {
      if (v !== undefined && !(Number.isInteger(v) && v > 0 && v <= 2 ** 31 - 1)) {
        throw new RangeError(`${field} must be a positive whole number`);
      }
    }
    if (options.expiresInMs !== undefined && !(options.expiresInMs > 0)) {
      throw new RangeError('expiry must be in the future');
    }
    const key = newSecret();
    const id = `key_${randomBytes(8).toString('hex')}`;
    const expiresAt = options.expiresInMs === undefined ? null : new Date(Date.now() + options.expiresInMs);
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO api_keys (id, user_id, name, key_hash, prefix, rpm_limit, tpm_limit, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
      [
        id,
        options.userId,
        options.name ?? null,
        hashApiKey(key),
        key.slice(0, PREFIX_LENGTH),
        options.rpmLimit ?? null,
        options.tpmLimit ?? null,
        expiresAt,
      ],
    );
    return { record: toRecord(rows[0]!), key };
  }

  /** The record of a key, by the key itself. */
  async findByKey(key: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM api_keys WHERE key_hash = $1`, [
      hashApiKey(key),
    ]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** Every key, newest first; only one user's when `userId` is given. */
  async list(userId?: string): Promise<ApiKeyRecord[]> {
    const { rows } = userId
      ? await this.pool.query<Row>(
          `SELECT ${COLUMNS} FROM api_keys WHERE user_id = $1 ORDER BY created_at DESC, id`,
          [userId],
        )
      : await this.pool.query<Row>(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at DESC, id`);
    return rows.map(toRecord);
  }

  /**
   * Revokes a key by its id or display prefix. Returns the revoked record; undefined when nothing
   * matches. Throws {@link AmbiguousApiKeyError} when a prefix matches several keys.
   */
  async revoke(idOrPrefix: string): Promise<ApiKeyRecord | undefined> {
    const id = await this.#resolve(idOrPrefix);
    if (id === undefined) return undefined;
    const { rows } = await this.pool.query<Row>(
      `UPDATE api_keys SET status = 'revoked', revoked_at = COALESCE(revoked_at, now())
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /**
   * Gives a key a new secret, by its id or display prefix: the old secret stops authenticating, the id,
   * owner, limits and expiry stay. Returns the record and the new secret (shown once); undefined when
   * nothing matches. Throws {@link AmbiguousApiKeyError} for a prefix of several keys and
   * {@link RevokedApiKeyError} for a revoked key.
   */
  async rotate(idOrPrefix: string): Promise<CreatedApiKey | undefined> {
    const id = await this.#resolve(idOrPrefix);
    if (id === undefined) return undefined;
    const key = newSecret();
    const { rows } = await this.pool.query<Row>(
      `UPDATE api_keys SET key_hash = $2, prefix = $3
       WHERE id = $1 AND status = 'active' RETURNING ${COLUMNS}`,
      [id, hashApiKey(key), key.slice(0, PREFIX_LENGTH)],
    );
    if (!rows[0]) throw new RevokedApiKeyError(id);
    return { record: toRecord(rows[0]), key };
  }

  /** The id of the key with this id or display prefix. */
  async #resolve(idOrPrefix: string): Promise<string | undefined> {
    const { rows: matches } = await this.pool.query<{ id: string }>(
      'SELECT id FROM api_keys WHERE id = $1 OR prefix = $1',
      [idOrPrefix],
    );
    if (matches.length > 1) throw new AmbiguousApiKeyError(idOrPrefix, matches.length);
    return matches[0]?.id;
  }

  /** Active keys with an expiry that has not passed yet, at most `limit` of them (soonest first). */
  async expiringActive(limit: number): Promise<{ id: string; expiresAt: Date }[]> {
    const { rows } = await this.pool.query<{ id: string; expires_at: Date }>(
      `SELECT id, expires_at FROM api_keys
       WHERE status = 'active' AND expires_at IS NOT NULL AND expires_at > now()
       ORDER BY expires_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ id: r.id, expiresAt: r.expires_at }));
  }
}
