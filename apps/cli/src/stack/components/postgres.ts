import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ComponentSpec } from '@opsight/supervisor';
import type { StackContext } from '../context.js';
import { lookupIds } from '../system-ids.js';

/** Names shared by the PostgreSQL components and their clients. */
export const POSTGRES = {
  database: 'opsight',
  superuser: 'postgres',
  appUser: 'opsight',
  replicationUser: 'replicator',
  exporterUser: 'opsight_exporter',
  replicationSlot: 'opsight_replica',
} as const;

const dirs = (ctx: StackContext) => ({
  primary: join(ctx.pgRoot, 'primary'),
  replica: join(ctx.pgRoot, 'replica'),
  sockets: join(ctx.pgRoot, 'run'),
  pwfile: join(ctx.pgRoot, 'superuser.pw'),
});

/**
 * Server settings, passed on the command line so that they are visible in one place.
 * - pg_stat_statements is preloaded: the strategy's slow-query metric (docs/architecture.md, 1.2 d) reads it;
 * - wal_level replica, senders and slots: the streaming replica;
 * - logs to stderr, which the supervisor writes to the pod log like any container's.
 */
function serverArgs(ctx: StackContext, dataDir: string, port: number): string[] {
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: dirs(ctx).sockets,
    shared_preload_libraries: 'pg_stat_statements',
    'pg_stat_statements.track': 'all',
    track_io_timing: 'on',
    wal_level: 'replica',
    max_wal_senders: '5',
    max_replication_slots: '5',
    hot_standby: 'on',
    hot_standby_feedback: 'on',
    logging_collector: 'off',
    log_destination: 'stderr',
    log_line_prefix: '%m [%p] %q%u@%d ',
    max_connections: '100',
    shared_buffers: '64MB',
  };
  return ['-D', dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
}

const isReady = (ctx: StackContext, port: number) => ({
  exec: {
    command: join(ctx.pgBin, 'pg_isready'),
    args: ['-q', '-h', '127.0.0.1', '-p', String(port), '-d', 'postgres'],
  },
  periodMs: 500,
});

/** Creates PostgreSQL's directories owned by its user (called once the run lock is held). */
export function preparePostgres(ctx: StackContext): void {
  const d = dirs(ctx);
  const ids = ctx.pgUser ? lookupIds(ctx.pgUser) : undefined;
  for (const dir of [ctx.pgRoot, d.sockets]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (ids) chownSync(dir, ids.uid, ids.gid);
  }
  writeFileSync(d.pwfile, `${ctx.secrets.postgresSuperuser}\n`, { mode: 0o600 });
  if (ids) chownSync(d.pwfile, ids.uid, ids.gid);
  writeFileSync(join(ctx.paths.config, 'postgres-setup.sql'), setupSql(ctx), { mode: 0o600 });
}

/** The primary: initdb on first start, then the server on the primary port. */
export function postgresPrimary(ctx: StackContext): ComponentSpec {
  const d = dirs(ctx);
  return {
    name: 'postgres-primary',
    namespace: 'data',
    app: 'postgres',
    pod: 'postgres-0',
    labels: { role: 'primary' },
    command: join(ctx.pgBin, 'postgres'),
    args: serverArgs(ctx, d.primary, ctx.ports.postgresPrimary),
    user: ctx.pgUser,
    ports: [{ name: 'postgres', port: ctx.ports.postgresPrimary }],
    initSteps: [
      {
        name: 'initdb',
        command: join(ctx.pgBin, 'initdb'),
        args: [
          '-D',
          d.primary,
          '-U',
          POSTGRES.superuser,
          `--pwfile=${d.pwfile}`,
          '--auth-local=peer',
          '--auth-host=scram-sha-256',
          '--encoding=UTF8',
          '--locale=C',
        ],
        skipIf: () => existsSync(join(d.primary, 'PG_VERSION')),
      },
    ],
    readinessProbe: isReady(ctx, ctx.ports.postgresPrimary),
    // SIGINT is PostgreSQL's fast shutdown (SIGTERM would wait for every client to disconnect).
    stopSignal: 'SIGINT',
    terminationGracePeriodMs: 30_000,
    resources: { limits: { cpu: 1, memoryBytes: 1024 * 1024 * 1024 } },
  };
}

/** Roles, database, extension and replication slot; idempotent, run at every `opsight up`. */
export function postgresSetup(ctx: StackContext): ComponentSpec {
  return {
    name: 'postgres-setup',
    namespace: 'data',
    app: 'postgres-setup',
    kind: 'job',
    command: join(ctx.pgBin, 'psql'),
    args: [
      '-X',
      '-q',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      '127.0.0.1',
      '-p',
      String(ctx.ports.postgresPrimary),
      '-U',
      POSTGRES.superuser,
      '-d',
      'postgres',
      '-f',
      join(ctx.paths.config, 'postgres-setup.sql'),
    ],
    env: { PGPASSWORD: ctx.secrets.postgresSuperuser },
    dependsOn: ['postgres-primary'],
    backoff: { initialMs: 500, maxMs: 5000 },
  };
}

/** The streaming replica: a base backup of the primary on first start, then a hot standby. */
export function postgresReplica(ctx: StackContext): ComponentSpec {
  const d = dirs(ctx);
  // standby.signal is written last by pg_basebackup -R: its absence means no complete copy yet.
  const complete = () => existsSync(join(d.replica, 'standby.signal'));
  return {
    name: 'postgres-replica',
    namespace: 'data',
    app: 'postgres',
    pod: 'postgres-1',
    labels: { role: 'replica' },
    command: join(ctx.pgBin, 'postgres'),
    args: serverArgs(ctx, d.replica, ctx.ports.postgresReplica),
    user: ctx.pgUser,
    ports: [{ name: 'postgres', port: ctx.ports.postgresReplica }],
    initSteps: [
      { name: 'clean-partial-copy', command: '/bin/rm', args: ['-rf', d.replica], skipIf: complete },
      {
        name: 'basebackup',
        command: join(ctx.pgBin, 'pg_basebackup'),
        args: [
          '-h',
          '127.0.0.1',
          '-p',
          String(ctx.ports.postgresPrimary),
          '-U',
          POSTGRES.replicationUser,
          '-D',
          d.replica,
          '-R',
          '-X',
          'stream',
          '-S',
          POSTGRES.replicationSlot,
          '-c',
          'fast',
          '--no-password',
        ],
        env: { PGPASSWORD: ctx.secrets.postgresReplicator },
        skipIf: complete,
      },
    ],
    dependsOn: ['postgres-setup'],
    readinessProbe: isReady(ctx, ctx.ports.postgresReplica),
    stopSignal: 'SIGINT',
    terminationGracePeriodMs: 30_000,
    resources: { limits: { cpu: 1, memoryBytes: 1024 * 1024 * 1024 } },
  };
}

const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;

function setupSql(ctx: StackContext): string {
  const p = POSTGRES;
  const role = (name: string, password: string, options: string) => `
SELECT 'CREATE ROLE ${name}' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${literal(name)}) \\gexec
ALTER ROLE ${name} WITH ${options} PASSWORD ${literal(password)};`;
  return `-- Generated by opsight up — do not edit: roles, database, extension and replication slot.
SET client_min_messages = warning;
${role(p.replicationUser, ctx.secrets.postgresReplicator, 'LOGIN REPLICATION')}
${role(p.appUser, ctx.secrets.postgresApp, 'LOGIN')}
${role(p.exporterUser, ctx.secrets.postgresExporter, 'LOGIN')}
GRANT pg_monitor TO ${p.exporterUser};
SELECT 'CREATE DATABASE ${p.database} OWNER ${p.appUser}'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = ${literal(p.database)}) \\gexec
SELECT pg_create_physical_replication_slot(${literal(p.replicationSlot)})
  WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ${literal(p.replicationSlot)});
\\connect ${p.database}
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
`;
}
