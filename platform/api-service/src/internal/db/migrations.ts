import type { Pool } from 'pg';

/** One schema change; versions are applied in order, each once, in its own transaction. */
interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'api keys',
    sql: `
CREATE TABLE api_keys (
  id          text PRIMARY KEY,
  user_id     text NOT NULL,
  name        text,
  key_hash    bytea NOT NULL UNIQUE,
  prefix      text NOT NULL,
  status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  rpm_limit   integer CHECK (rpm_limit > 0),
  tpm_limit   integer CHECK (tpm_limit > 0),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz,
  revoked_at  timestamptz
);
CREATE INDEX api_keys_user_id ON api_keys (user_id);
CREATE INDEX api_keys_prefix ON api_keys (prefix);`,
  },
  {
    version: 2,
    name: 'usage rows',
    sql: `
CREATE TABLE api_usage (
  id                bigserial PRIMARY KEY,
  at                timestamptz NOT NULL,
  request_id        text NOT NULL,
  user_id           text NOT NULL,
  key_id            text NOT NULL,
  model             text NOT NULL,
  prompt_tokens     integer NOT NULL,
  completion_tokens integer NOT NULL,
  total_tokens      integer NOT NULL,
  latency_ms        double precision NOT NULL,
  status            integer NOT NULL,
  error_code        text,
  stream            boolean NOT NULL,
  cached            boolean NOT NULL
);
CREATE INDEX api_usage_user_at ON api_usage (user_id, at);
CREATE INDEX api_usage_key_at ON api_usage (key_id, at);`,
  },
];

// Arbitrary constant: serializes concurrent migrators (several replicas starting at once).
const LOCK_ID = 0x0a9150c1;

/**
 * Brings the schema to the latest version: idempotent, safe to run from several processes at once (an
 * advisory lock serializes them). Returns the versions it applied.
 */
export async function migrate(pool: Pool): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS api_schema_migrations (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = new Set(
        (await client.query<{ version: number }>('SELECT version FROM api_schema_migrations')).rows.map(
          (r) => r.version,
        ),
      );
      const applied: number[] = [];
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO api_schema_migrations (version, name) VALUES ($1, $2)', [
            m.version,
            m.name,
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
        applied.push(m.version);
      }
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]);
    }
  } finally {
    client.release();
  }
}

/** The newest schema version this build knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
