import { createHash, timingSafeEqual } from 'node:crypto';
import { installFastifyGuard } from '@opsight/http-guard';
import type { Telemetry } from '@opsight/telemetry';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import {
  type ApiKeyJson,
  type CreateKeyBody,
  type IssuedKeyJson,
  type KeyListJson,
  MAX_KEY_LIFETIME_SECONDS,
  MAX_KEY_LIMIT,
  MAX_KEY_NAME_LENGTH,
  type RevokedKeyJson,
} from '../admin/key-admin-contract.js';
import { ApiError } from '../error-catalogue.js';
import {
  AmbiguousApiKeyError,
  type ApiKeyRecord,
  type CreateApiKeyOptions,
  type CreatedApiKey,
  RevokedApiKeyError,
} from '../keys/api-key-store.js';

/** The key store, as the admin API uses it. */
export interface KeyAdminStore {
  create(options: CreateApiKeyOptions): Promise<CreatedApiKey>;
  list(userId?: string): Promise<ApiKeyRecord[]>;
  revoke(idOrPrefix: string): Promise<ApiKeyRecord | undefined>;
  rotate(idOrPrefix: string): Promise<CreatedApiKey | undefined>;
}

/** Options of {@link keyAdminPlugin}. */
export interface KeyAdminPluginOptions {
  /** The key store. */
  store: KeyAdminStore;
  /**
   * The admin key: callers send `Authorization: Bearer <admin key>`. Undefined turns the admin API off
   * (its paths answer 404 like any unknown path).
   */
  adminKey: string | undefined;
  /** Called with a key's id once it is revoked or rotated, so this replica stops using its old record. */
  onKeyChanged(keyId: string): void;
  /** The admin actions' log lines (never a secret). */
  telemetry: Telemetry;
}

const USER_ID = /^[\x21-\x7e]{1,128}$/;
/** A key's id (`key_` + 16 hex) or display prefix (`sk-` + 8), as the `{key}` path segment. */
const KEY_TARGET = /^(key_[0-9a-f]{16}|sk-[A-Za-z0-9_-]{8})$/;
const CREATE_FIELDS = new Set(['user_id', 'name', 'expires_in_seconds', 'rpm_limit', 'tpm_limit']);
const LIST_PARAMS = new Set(['user_id']);

const invalid = (param: string, message: string) => new ApiError('INVALID_REQUEST', message, param);

/** A record on the wire. */
export function apiKeyJson(r: ApiKeyRecord): ApiKeyJson {
  return {
    id: r.id,
    user_id: r.userId,
    name: r.name,
    prefix: r.prefix,
    status: r.status,
    rpm_limit: r.rpmLimit,
    tpm_limit: r.tpmLimit,
    created_at: r.createdAt.toISOString(),
    expires_at: r.expiresAt?.toISOString() ?? null,
    revoked_at: r.revokedAt?.toISOString() ?? null,
  };
}

/** Checks a create body; throws INVALID_REQUEST naming the first bad field. */
export function parseCreateKeyBody(body: unknown): CreateApiKeyOptions {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('body', 'the request body must be a JSON object');
  }
  const b = body as Record<string, unknown>;
  for (const field of Object.keys(b)) {
    if (!CREATE_FIELDS.has(field)) throw invalid(field, `unknown field ${field}`);
  }
  const {
    user_id: userId,
    name,
    expires_in_seconds: expiresIn,
  } = b as Partial<Record<keyof CreateKeyBody, unknown>>;
  if (userId === undefined) throw invalid('user_id', 'user_id is required');
  if (typeof userId !== 'string' || !USER_ID.test(userId)) {
    throw invalid('user_id', 'user_id must be 1 to 128 printable ASCII characters without spaces');
  }
  if (
    name !== undefined &&
    (typeof name !== 'string' || name.length === 0 || name.length > MAX_KEY_NAME_LENGTH)
  ) {
    throw invalid('name', `name must be a string of 1 to ${MAX_KEY_NAME_LENGTH} characters`);
  }
  if (
    expiresIn !== undefined &&
    (typeof expiresIn !== 'number' ||
      !Number.isFinite(expiresIn) ||
      expiresIn <= 0 ||
      expiresIn > MAX_KEY_LIFETIME_SECONDS)
  ) {
    throw invalid(
      'expires_in_seconds',
      `expires_in_seconds must be a number above 0 and at most ${MAX_KEY_LIFETIME_SECONDS}`,
    );
  }
  const limit = (field: 'rpm_limit' | 'tpm_limit') => {
    const v = b[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_KEY_LIMIT) {
      throw invalid(field, `${field} must be a whole number from 1 to ${MAX_KEY_LIMIT}`);
    }
    return v;
  };
  return {
    userId,
    name: name as string | undefined,
    expiresInMs: expiresIn === undefined ? undefined : Math.max(1, Math.round((expiresIn as number) * 1000)),
    rpmLimit: limit('rpm_limit'),
    tpmLimit: limit('tpm_limit'),
  };
}

/** SHA-256 of a secret: equal-length inputs for a constant-time comparison. */
const digest = (text: string) => createHash('sha256').update(text).digest();

const plugin: FastifyPluginAsync<KeyAdminPluginOptions> = async (app, options) => {
  const { store, onKeyChanged } = options;
  const { logger } = options.telemetry;
  if (options.adminKey === undefined) return;
  const adminDigest = digest(options.adminKey);

  // No browser reaches the admin API: no origin may write, a rebound DNS name is refused by its Host.
  installFastifyGuard(app, { allowedOrigins: [], writeContentTypes: ['application/json'] });

  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      throw new ApiError(
        'ADMIN_KEY_MISSING',
        'the admin API needs the admin key: Authorization: Bearer <admin key>',
        'authorization',
      );
    }
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]!), adminDigest)) {
      throw new ApiError('ADMIN_KEY_INVALID', 'the admin key is not valid', 'authorization');
    }
  });

  const target = (request: FastifyRequest) => {
    const { key } = request.params as { key: string };
    if (!KEY_TARGET.test(key)) {
      throw invalid(
        'key',
        'the key must be an id (key_ and 16 hex digits) or a display prefix (sk- and 8 characters)',
      );
    }
    return key;
  };
  const storeError = (error: unknown): never => {
    if (error instanceof AmbiguousApiKeyError) throw new ApiError('API_KEY_AMBIGUOUS', error.message, 'key');
    if (error instanceof RevokedApiKeyError) throw new ApiError('API_KEY_NOT_ACTIVE', error.message, 'key');
    throw error;
  };
  const notFound = (key: string) =>
    new ApiError('API_KEY_NOT_FOUND', `no API key with id or prefix "${key}"`, 'key');

  app.post('/keys', async (request, reply): Promise<IssuedKeyJson> => {
    const create = parseCreateKeyBody(request.body);
    const created = await store.create(create).catch((error) => storeError(error));
    logger.info({ key_id: created.record.id, owner: created.record.userId }, 'API key created');
    void reply.code(201);
    return { api_key: apiKeyJson(created.record), secret: created.key };
  });

  app.get('/keys', async (request): Promise<KeyListJson> => {
    const query = request.query as Record<string, unknown>;
    for (const param of Object.keys(query)) {
      if (!LIST_PARAMS.has(param)) throw invalid(param, `unknown query parameter ${param}`);
    }
    const userId = query.user_id;
    if (userId !== undefined && (typeof userId !== 'string' || !USER_ID.test(userId))) {
      throw invalid('user_id', 'user_id must be 1 to 128 printable ASCII characters without spaces');
    }
    const keys = await store.list(userId as string | undefined);
    return { object: 'list', data: keys.map(apiKeyJson) };
  });

  app.post('/keys/:key/revoke', async (request): Promise<RevokedKeyJson> => {
    const key = target(request);
    const revoked = await store.revoke(key).catch((error) => storeError(error));
    if (!revoked) throw notFound(key);
    onKeyChanged(revoked.id);
    logger.info({ key_id: revoked.id, owner: revoked.userId }, 'API key revoked');
    return { api_key: apiKeyJson(revoked) };
  });

  app.post('/keys/:key/rotate', async (request): Promise<IssuedKeyJson> => {
    const key = target(request);
    const rotated = await store.rotate(key).catch((error) => storeError(error));
    if (!rotated) throw notFound(key);
    onKeyChanged(rotated.record.id);
    logger.info({ key_id: rotated.record.id, owner: rotated.record.userId }, 'API key rotated');
    return { api_key: apiKeyJson(rotated.record), secret: rotated.key };
  });
};

/**
 * The key admin API under `/admin/v1`: create, list, revoke and rotate API keys, for callers holding the
 * admin key (compared in constant time). Secrets are answered once, at creation and rotation, and never
 * logged; only their hashes are stored. Off (404) when no admin key is configured.
 */
export const keyAdminPlugin = fp(plugin, {
  name: 'api-key-admin',
  fastify: '5.x',
  encapsulate: true,
  dependencies: ['api-error-handling'],
});
