import {
  type ApiKeyJson,
  KeyAdminClient,
  KeyAdminError,
  KeyAdminUnreachableError,
} from '@opsight/api-service/admin';
import { renderTable } from '../render/table.js';
import { stackContext } from '../stack/context.js';

/** What `opsight keys` was asked to do. */
export type KeysAction =
  | { action: 'create'; userId: string; name?: string; expiresIn?: string; rpm?: number; tpm?: number }
  | { action: 'list'; userId?: string }
  | { action: 'revoke'; target: string }
  | { action: 'rotate'; target: string };

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

/**
 * The key admin API of the local stack's api-service, with the admin key the stack generated in its
 * secrets directory (`api-admin`).
 */
export function stackKeyAdmin(root: string): KeyAdminClient {
  const ctx = stackContext(root);
  return new KeyAdminClient({
    baseUrl: `http://127.0.0.1:${ctx.ports.apiService}`,
    adminKey: ctx.secrets.apiAdmin,
  });
}

function statusOf(k: ApiKeyJson, now: number): string {
  if (k.status === 'revoked') return 'revoked';
  if (k.expires_at && Date.parse(k.expires_at) <= now) return 'expired';
  return 'active';
}

/**
 * `opsight keys create|list|revoke|rotate`: API keys of the platform, through api-service's key admin
 * API (so the stack must be up). `create` and `rotate` print the key once (only its SHA-256 hash is
 * stored). Returns the exit code: 0 done, 1 no such key or api-service unreachable; a bad argument the
 * service refuses is thrown as {@link KeysUsageError}.
 */
export async function keys(
  request: KeysAction,
  admin: KeyAdminClient,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  try {
    switch (request.action) {
      case 'create': {
        const created = await admin.create({
          user_id: request.userId,
          name: request.name,
          expires_in_seconds:
            request.expiresIn === undefined ? undefined : parseExpiresIn(request.expiresIn) / 1000,
          rpm_limit: request.rpm,
          tpm_limit: request.tpm,
        });
        const r = created.api_key;
        const expires = r.expires_at ? `expires ${r.expires_at}` : 'never expires';
        out.write(
          `created ${r.id} for user ${r.user_id} (${expires})\n${created.secret}\n` +
            'This is the only time the key is shown: store it now.\n',
        );
        return 0;
      }
      case 'list': {
        const now = Date.now();
        const rows = (await admin.list(request.userId)).map((k) => [
          k.id,
          `${k.prefix}…`,
          k.user_id,
          k.name ?? '',
          statusOf(k, now),
          k.expires_at ?? 'never',
          k.created_at,
        ]);
        out.write(
          rows.length === 0
            ? 'no API keys\n'
            : `${renderTable(['ID', 'PREFIX', 'USER', 'NAME', 'STATUS', 'EXPIRES', 'CREATED'], rows)}\n`,
        );
        return 0;
      }
      case 'revoke': {
        const revoked = await admin.revoke(request.target.replace(/…$/, ''));
        out.write(`revoked ${revoked.id} (${revoked.prefix}…, user ${revoked.user_id})\n`);
        return 0;
      }
      case 'rotate': {
        const rotated = await admin.rotate(request.target.replace(/…$/, ''));
        const r = rotated.api_key;
        out.write(
          `rotated ${r.id} for user ${r.user_id}: the old key no longer works\n${rotated.secret}\n` +
            'This is the only time the key is shown: store it now.\n',
        );
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof KeyAdminUnreachableError) {
      err.write(`opsight: ${error.message} (is the stack up? \`npm run up\`)\n`);
      return 1;
    }
    if (error instanceof KeyAdminError) {
      if (error.code === 'API_KEY_NOT_FOUND') {
        err.write(`opsight: no API key with id or prefix "${(request as { target: string }).target}"\n`);
        return 1;
      }
      if (error.status === 400 || error.status === 409) throw new KeysUsageError(error.message);
      err.write(`opsight: api-service refused: ${error.code}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/**
 * The stack's first API key: created for user `default` when the service holds no key at all, and
 * returned so that `opsight up` can print it once. Returns undefined when keys already exist.
 */
export async function ensureDefaultKey(admin: KeyAdminClient): Promise<string | undefined> {
  if ((await admin.list()).length > 0) return undefined;
  return (await admin.create({ user_id: 'default', name: 'default' })).secret;
}
