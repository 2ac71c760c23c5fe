import { type ApiKeyRecord, ApiKeyStore, migrate } from '@opsight/api-service';
import pg from 'pg';
import { renderTable } from '../render/table.js';
import { POSTGRES } from '../stack/components/postgres.js';
import { stackContext } from '../stack/context.js';

/** What `opsight keys` was asked to do. */
export type KeysAction =
  | { action: 'create'; userId: string; name?: string; expiresIn?: string; rpm?: number; tpm?: number }
  | { action: 'list'; userId?: string }
  | { action: 'revoke'; target: string };

/** Thrown for a bad argument; the command prints it with the usage. */
export class KeysUsageError extends Error {}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30d`, `12h`, `90m`, `3600s`, `2w` in milliseconds; throws {@link KeysUsageError}. */
export function parseExpiresIn(text: string): number {
  const m = /^(\d{1,6})([smhdw])$/.exec(text);
  if (!m || Number(m[1]) === 0) {
    throw new KeysUsageError(`--expires-in must be a positive duration like 30d, 12h or 90m, not "${text}"`);
  }
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** The local stack's database, as the API service's own user (credentials from var/secrets). */
export function stackDatabase(root: string): pg.PoolConfig {
  const ctx = stackContext(root);
  return {
    host: '127.0.0.1',
    port: ctx.ports.postgresPrimary,
    user: POSTGRES.appUser,
    password: ctx.secrets.postgresApp,
    database: POSTGRES.database,
  };
}

function statusOf(k: ApiKeyRecord, now: number): string {
  if (k.status === 'revoked') return 'revoked';
  if (k.expiresAt && k.expiresAt.getTime() <= now) return 'expired';
  return 'active';
}

/**
 * `opsight keys create|list|revoke`: API keys of the platform. `create` prints the key once (only its
 * SHA-256 hash is stored). Migrates the schema first, so it works before the API service ever started.
 * Returns the exit code: 0 done, 1 nothing to revoke or the database is unreachable.
 */
export async function keys(
  request: KeysAction,
  database: pg.PoolConfig,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const pool = new pg.Pool({ ...database, max: 1, connectionTimeoutMillis: 5000 });
  pool.on('error', () => {});
  try {
    try {
      await migrate(pool);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT') {
        err.write(
          `opsight: cannot reach PostgreSQL at ${database.host}:${database.port} (is the stack up? \`npm run up\`)\n`,
        );
        return 1;
      }
      throw error;
    }
    const store = new ApiKeyStore(pool);
    switch (request.action) {
      case 'create': {
        let created: Awaited<ReturnType<ApiKeyStore['create']>>;
        try {
          created = await store.create({
            userId: request.userId,
            name: request.name,
            expiresInMs: request.expiresIn === undefined ? undefined : parseExpiresIn(request.expiresIn),
            rpmLimit: request.rpm,
            tpmLimit: request.tpm,
          });
        } catch (error) {
          if (error instanceof RangeError) throw new KeysUsageError(error.message);
          throw error;
        }
        const r = created.record;
        const expires = r.expiresAt ? `expires ${r.expiresAt.toISOString()}` : 'never expires';
        out.write(
          `created ${r.id} for user ${r.userId} (${expires})\n${created.key}\n` +
            'This is the only time the key is shown: store it now.\n',
        );
        return 0;
      }
      case 'list': {
        const now = Date.now();
        const rows = (await store.list(request.userId)).map((k) => [
          k.id,
          `${k.prefix}…`,
          k.userId,
          k.name ?? '',
          statusOf(k, now),
          k.expiresAt?.toISOString() ?? 'never',
          k.createdAt.toISOString(),
        ]);
        out.write(
          rows.length === 0
            ? 'no API keys\n'
            : `${renderTable(['ID', 'PREFIX', 'USER', 'NAME', 'STATUS', 'EXPIRES', 'CREATED'], rows)}\n`,
        );
        return 0;
      }
      case 'revoke': {
        let revoked: ApiKeyRecord | undefined;
        try {
          revoked = await store.revoke(request.target.replace(/…$/, ''));
        } catch (error) {
          if (error instanceof RangeError) throw new KeysUsageError(error.message);
          throw error;
        }
        if (!revoked) {
          err.write(`opsight: no API key with id or prefix "${request.target}"\n`);
          return 1;
        }
        out.write(`revoked ${revoked.id} (${revoked.prefix}…, user ${revoked.userId})\n`);
        return 0;
      }
    }
  } finally {
    await pool.end();
  }
}

/**
 * The stack's first API key: created for user `default` when the database holds no key at all, and
 * returned so that `opsight up` can print it once. Returns undefined when keys already exist.
 */
export async function ensureDefaultKey(database: pg.PoolConfig): Promise<string | undefined> {
  const pool = new pg.Pool({ ...database, max: 1, connectionTimeoutMillis: 5000 });
  pool.on('error', () => {});
  try {
    await migrate(pool);
    const store = new ApiKeyStore(pool);
    if ((await store.list()).length > 0) return undefined;
    return (await store.create({ userId: 'default', name: 'default' })).key;
  } finally {
    await pool.end();
  }
}
