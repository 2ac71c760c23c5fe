import { readFileSync } from 'node:fs';

/** The service's settings, read from the environment (secrets from files, never from arguments). */
export interface ApiServiceConfig {
  /** `host:port` to listen on. Argument `--listen`, else env `OPSIGHT_API_LISTEN`. @default '127.0.0.1:8081' */
  listen: { host: string; port: number };
  /**
   * PostgreSQL: `DATABASE_URL`, else the libpq variables (`PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`)
   * with the password from `OPSIGHT_PG_PASSWORD_FILE` (or `PGPASSWORD`).
   */
  postgres: { connectionString?: string; password?: string };
  /**
   * Env `OPSIGHT_REDIS_URL` (or `REDIS_URL`), password from `OPSIGHT_REDIS_PASSWORD_FILE`.
   * @default 'redis://127.0.0.1:6380'
   */
  redis: { url: string; password?: string };
  /** The model router's `host:port`. Env `OPSIGHT_ROUTER_ADDRESS` (or `MODEL_ROUTER_ADDRESS`). @default '127.0.0.1:50051' */
  routerAddress: string;
  /** Deadline of each router call. Env `OPSIGHT_ROUTER_TIMEOUT_MS`. @default 60000 */
  routerTimeoutMs: number;
  /** Env `OPSIGHT_DEFAULT_RPM`. @default 600 */
  defaultRpm: number;
  /** Env `OPSIGHT_DEFAULT_TPM`. @default 200000 */
  defaultTpm: number;
  /** Env `OPSIGHT_CACHE_TTL_SECONDS`. @default 300 */
  cacheTtlSeconds: number;
  /**
   * Who shares cached answers: `user` or `shared` (a hit then reveals another user's prompt; see the
   * README). Env `OPSIGHT_RESPONSE_CACHE_SCOPE`. @default 'user'
   */
  cacheScope: 'user' | 'shared';
  /** Env `OPSIGHT_BODY_LIMIT_BYTES`. @default 1048576 */
  bodyLimitBytes: number;
  /** Log prompt and completion text: only when `OPSIGHT_LOG_CONTENT=1`. @default false */
  logContent: boolean;
  /**
   * How often `api_key_expiry_timestamp_seconds` is reloaded from the database.
   * Env `OPSIGHT_KEY_EXPIRY_REFRESH_MS`. @default 60000
   */
  keyExpiryRefreshMs: number;
  /**
   * Requests whose rate limits cannot be checked (Redis down): `open` admits them, `closed` answers 503.
   * Env `OPSIGHT_RATE_LIMIT_FAIL_MODE`. @default 'open'
   */
  rateLimitFailMode: 'open' | 'closed';
  /** A Redis command not answered within this long fails. Env `OPSIGHT_REDIS_TIMEOUT_MS`. @default 250 */
  redisTimeoutMs: number;
  /**
   * A PostgreSQL key lookup not answered within this long fails; also the pool's connection timeout.
   * Env `OPSIGHT_PG_TIMEOUT_MS`. @default 2000
   */
  postgresTimeoutMs: number;
  /**
   * While PostgreSQL is down, keys read within this long still authenticate from memory; 0 turns it off.
   * Env `OPSIGHT_KEY_FALLBACK_TTL_MS`. @default 300000
   */
  keyFallbackTtlMs: number;
  /** Key records kept in memory. Env `OPSIGHT_KEY_CACHE_MAX_ENTRIES`. @default 10000 */
  keyCacheMaxEntries: number;
  /** Usage rows kept while PostgreSQL is down. Env `OPSIGHT_USAGE_MAX_QUEUED`. @default 20000 */
  usageMaxQueued: number;
  /**
   * The key admin API's admin key (at least 16 characters), read from the file named by
   * `OPSIGHT_ADMIN_KEY_FILE`. @default undefined (the admin API is off)
   */
  adminKey: string | undefined;
}

/** Thrown for an invalid setting; `variable` names it. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new ConfigError(name, `"${text}" is not a positive whole number`);
  return Number(text);
}

function nonNegative(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text)) throw new ConfigError(name, `"${text}" is not a whole number`);
  return Number(text);
}

function secretFile(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const file = env[name];
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(name, `cannot read ${file}: ${(error as Error).message}`);
  }
}

/** Reads the configuration from the environment and the arguments; throws {@link ConfigError}. */
export function readConfig(env: NodeJS.ProcessEnv = process.env, args: string[] = []): ApiServiceConfig {
  let listenArg: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--listen' && args[i + 1] !== undefined) listenArg = args[++i];
    else throw new ConfigError('arguments', `unknown argument "${args[i]}" (only --listen host:port)`);
  }
  const listenText = listenArg ?? env.OPSIGHT_API_LISTEN ?? '127.0.0.1:8081';
  const m = /^(.+):(\d{1,5})$/.exec(listenText);
  if (!m || Number(m[2]) > 65535) {
    throw new ConfigError(listenArg ? '--listen' : 'OPSIGHT_API_LISTEN', `"${listenText}" is not host:port`);
  }
  return {
    listen: { host: m[1]!, port: Number(m[2]) },
    postgres: {
      connectionString: env.DATABASE_URL || undefined,
      password: secretFile(env, 'OPSIGHT_PG_PASSWORD_FILE') ?? env.PGPASSWORD,
    },
    redis: {
      url: env.OPSIGHT_REDIS_URL ?? env.REDIS_URL ?? 'redis://127.0.0.1:6380',
      password: secretFile(env, 'OPSIGHT_REDIS_PASSWORD_FILE'),
    },
    routerAddress: env.OPSIGHT_ROUTER_ADDRESS ?? env.MODEL_ROUTER_ADDRESS ?? '127.0.0.1:50051',
    routerTimeoutMs: positive(env, 'OPSIGHT_ROUTER_TIMEOUT_MS', 60_000),
    defaultRpm: positive(env, 'OPSIGHT_DEFAULT_RPM', 600),
    defaultTpm: positive(env, 'OPSIGHT_DEFAULT_TPM', 200_000),
    cacheTtlSeconds: positive(env, 'OPSIGHT_CACHE_TTL_SECONDS', 300),
    cacheScope: cacheScope(env),
    bodyLimitBytes: positive(env, 'OPSIGHT_BODY_LIMIT_BYTES', 1024 * 1024),
    logContent: env.OPSIGHT_LOG_CONTENT === '1',
    keyExpiryRefreshMs: positive(env, 'OPSIGHT_KEY_EXPIRY_REFRESH_MS', 60_000),
    rateLimitFailMode: failMode(env),
    redisTimeoutMs: positive(env, 'OPSIGHT_REDIS_TIMEOUT_MS', 250),
    postgresTimeoutMs: positive(env, 'OPSIGHT_PG_TIMEOUT_MS', 2000),
    keyFallbackTtlMs: nonNegative(env, 'OPSIGHT_KEY_FALLBACK_TTL_MS', 300_000),
    keyCacheMaxEntries: positive(env, 'OPSIGHT_KEY_CACHE_MAX_ENTRIES', 10_000),
    usageMaxQueued: positive(env, 'OPSIGHT_USAGE_MAX_QUEUED', 20_000),
    adminKey: adminKey(env),
  };
}

/** Shortest admin key accepted: a guessable one would open the key admin API. */
const MIN_ADMIN_KEY_LENGTH = 16;

function adminKey(env: NodeJS.ProcessEnv): string | undefined {
  const key = secretFile(env, 'OPSIGHT_ADMIN_KEY_FILE');
  if (key === undefined) return undefined;
  if (key.length < MIN_ADMIN_KEY_LENGTH || /\s/.test(key)) {
    throw new ConfigError(
      'OPSIGHT_ADMIN_KEY_FILE',
      `the admin key must be at least ${MIN_ADMIN_KEY_LENGTH} characters without spaces`,
    );
  }
  return key;
}

function cacheScope(env: NodeJS.ProcessEnv): 'user' | 'shared' {
  const text = env.OPSIGHT_RESPONSE_CACHE_SCOPE;
  if (text === undefined || text === '' || text === 'user') return 'user';
  if (text === 'shared') return 'shared';
  throw new ConfigError('OPSIGHT_RESPONSE_CACHE_SCOPE', `"${text}" is not "user" or "shared"`);
}

function failMode(env: NodeJS.ProcessEnv): 'open' | 'closed' {
  const text = env.OPSIGHT_RATE_LIMIT_FAIL_MODE;
  if (text === undefined || text === '' || text === 'open') return 'open';
  if (text === 'closed') return 'closed';
  throw new ConfigError('OPSIGHT_RATE_LIMIT_FAIL_MODE', `"${text}" is not "open" or "closed"`);
}
