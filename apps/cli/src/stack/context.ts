import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type LogShippingSettings, logShippingSettings } from './log-shipping.js';
import { type StackPaths, stackPaths } from './paths.js';
import { type Ports, resolvePorts } from './ports.js';
import { ensureSecret } from './secrets.js';
import { type StoreAuth, storeAuth } from './store-auth.js';

/** The secrets file of api-service's admin key. */
export const API_ADMIN_KEY_FILE = 'api-admin';

/** Everything a component definition needs to know about the machine and the stack. */
export interface StackContext {
  paths: StackPaths;
  ports: Ports;
  /** Directory of the PostgreSQL server programs. */
  pgBin: string;
  /**
   * User that runs PostgreSQL: the server refuses to run as root, so when Opsight runs as root it runs
   * PostgreSQL as the `postgres` system user; otherwise as the current user (undefined).
   */
  pgUser: string | undefined;
  /** Where PostgreSQL's data and socket directories live (see {@link postgresRoot}). */
  pgRoot: string;
  secrets: {
    postgresSuperuser: string;
    postgresReplicator: string;
    postgresApp: string;
    postgresExporter: string;
    redis: string;
    /** Alertmanager's basic-auth password (user `opsight`; see alertmanager-auth.ts). */
    alertmanager: string;
    /** The admin key of api-service's key admin API (`opsight keys` sends it). */
    apiAdmin: string;
  };
  /**
   * Tenancy by token in the log and trace stores (`OPSIGHT_AUTH=1`): every client sends its own token, all
   * of tenant `opsight`. @default undefined (off: the stores take any caller, as before)
   */
  auth: StoreAuth | undefined;
  /** Shorter intervals for tests (scrape and evaluation 1 s, …). */
  fast: boolean;
  /** The log store's stream idle period and the collector's retry period (see log-shipping.ts). */
  logShipping: LogShippingSettings;
}

/**
 * Builds the context of the stack rooted at `root`. Reads the environment (`OPSIGHT_PORT_*`,
 * `OPSIGHT_VAR_DIR`, `OPSIGHT_PG_BIN`, `OPSIGHT_FAST`, `OPSIGHT_LOGSTORE_STREAM_IDLE_PERIOD`, `OPSIGHT_AUTH`) and creates the secrets on first use; writes nothing
 * else.
 */
export function stackContext(root: string, env: NodeJS.ProcessEnv = process.env): StackContext {
  const paths = stackPaths(root, env);
  const ports = resolvePorts(env);
  const pgUser = process.getuid?.() === 0 ? 'postgres' : undefined;
  const s = (name: string) => ensureSecret(paths.secrets, name);
  return {
    paths,
    ports,
    pgBin: env.OPSIGHT_PG_BIN ?? '/usr/lib/postgresql/15/bin',
    pgUser,
    pgRoot: postgresRoot(paths, pgUser),
    secrets: {
      postgresSuperuser: s('postgres-superuser'),
      postgresReplicator: s('postgres-replicator'),
      postgresApp: s('postgres-app'),
      postgresExporter: s('postgres-exporter'),
      redis: s('redis'),
      alertmanager: s('alertmanager'),
      apiAdmin: s(API_ADMIN_KEY_FILE),
    },
    auth: storeAuth(paths.secrets, env),
    fast: env.OPSIGHT_FAST === '1',
    logShipping: logShippingSettings(env),
  };
}

/**
 * PostgreSQL's data lives in `var/data/postgres` when its user can reach that directory. When the checkout
 * sits somewhere the `postgres` user cannot enter (a home directory of mode 0700, say), it lives in
 * `/var/lib/opsight/<hash of the var path>/postgres` instead, one per checkout.
 */
export function postgresRoot(paths: StackPaths, pgUser: string | undefined): string {
  const local = join(paths.data, 'postgres');
  if (!pgUser) return local;
  // The nearest existing ancestor of var/data must be enterable by the postgres user.
  let probe = local;
  while (!existsSync(probe)) probe = join(probe, '..');
  const ok = spawnSync('/usr/bin/setpriv', [
    '--reuid',
    pgUser,
    '--regid',
    pgUser,
    '--init-groups',
    'test',
    '-x',
    probe,
  ]);
  if (ok.status === 0) return local;
  const hash = createHash('sha256').update(paths.varDir).digest('hex').slice(0, 12);
  return join('/var/lib/opsight', hash, 'postgres');
}
