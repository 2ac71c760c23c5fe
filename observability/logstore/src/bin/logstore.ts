#!/usr/bin/env node
// opsight-logstore: runs the Loki-compatible log store.
//
//   node observability/logstore/dist/src/bin/logstore.js --listen 127.0.0.1:3100 --data-dir var/data/logstore
//     [--retention-age 168h] [--retention-bytes 2GB|10%|0] [--auth-tokens-file F] [--auth-token-file F]
//     [--require-tenant]
//     [--sync normal|full] [--seal-interval 30s] [--stream-idle-period 30m] [--limit name=value ...]
//     [--sqlite-driver better-sqlite3|node:sqlite] [--query-timeout 1m] [--max-query-length 721h]
//     [--max-query-parallelism 32] [--query-workers N]
//     [--rules-dir DIR [--ruler-evaluation-interval 1m] [--ruler-alertmanager-url URL[,URL…]]
//      [--ruler-alertmanager-basic-auth-username U --ruler-alertmanager-basic-auth-password-file F]
//      [--ruler-remote-write-url URL] [--ruler-resend-delay 1m] [--ruler-external-url URL]]
//
// --query-timeout is Loki's query_timeout (default 1m): each query's deadline, 504 past it.
// --max-query-length is Loki's max_query_length (default 721h, 0 off): a longer range is refused 400.
// --max-query-parallelism is Loki's max_query_parallelism (default 32, 0 disables querying): a tenant's
// queries running at once; more wait for a turn (see the README's query limits).
// --query-workers: worker threads that run queries over read-only connections to the database, so that a
// query never holds up a push (default: the machine's available parallelism less one, at least 1: one
// core stays with ingest); 0 runs queries on the main thread.
//
// --retention-bytes: size budget, oldest data deleted first; default 2 GiB or a fifth of the data
// directory's filesystem if smaller (a laptop's disk is shared with everything else); 0 turns it off.
// --retention-size is the older name of the same flag. --stream-idle-period is Loki's
// chunk_idle_period (default 30m): streams without entries for that long stop counting toward the
// stream limit (max_global_streams_per_user).
//
// --auth-tokens-file: tenancy by token (format: @opsight/tenant-auth's README, one "<tenant> <token>" per
// line); the file is re-read when it changes, so tokens rotate without a restart. A malformed file at
// start exits with status 2 and the file:line of the fault. --auth-token-file is the older single shared
// token (the tenant still comes from X-Scope-OrgID); the two cannot be combined.
//
// --rules-dir turns the ruler on: rule groups in Loki's local rule storage layout
// (<dir>/<tenant>/<namespace>.yaml), loaded at start (a bad file exits with status 2 and every problem's
// file:line:column) and changed through Loki's rules API. Alerts go to the Alertmanagers of
// --ruler-alertmanager-url (Loki's -ruler.alertmanager-url, comma-separated), with basic auth when a user and
// password file are given; recording rules' samples go to --ruler-remote-write-url (Prometheus's
// /api/v1/write). --ruler-evaluation-interval is the interval of groups that set none (default 1m).
//
// Prints one line "logstore listening on <url>" when ready; GET /ready answers 200 from then on.
import { mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseDuration } from '@opsight/contracts/codecs';
import { parseSqliteDriver, type SqliteDriverName } from '@opsight/sqlite';
import { TokensFile } from '@opsight/tenant-auth';
import { createLogStore } from '../internal/http/server.js';
import { DEFAULT_LIMITS, type Limits } from '../internal/limits.js';
import { parseBytes } from '../internal/logql/units.js';
import type { RulerOptions } from '../internal/ruler/ruler.js';
import { parseRetentionBytes } from '../internal/storage/retention.js';
import { RuleFileError } from '../ruler/rule-file.js';

function usage(message: string): never {
  process.stderr.write(`logstore: ${message}\n`);
  process.exit(2);
}

/** A duration flag (`90s`, `1m`, `721h`; `0` turns a limit off) in ms. */
function durationMs(flag: string, value: string): number {
  if (value === '0') return 0;
  try {
    return Number(parseDuration(value, 'prometheus')) / 1e6;
  } catch {
    usage(`${flag} takes a duration such as 1m or 721h`);
  }
}

const args = process.argv.slice(2);
let listen = '127.0.0.1:3100';
let dataDir = 'var/data/logstore';
let retentionAge = 0;
let retentionBytes: string | undefined;
let authToken: string | undefined;
let authTokensFile: string | undefined;
let requireTenant = false;
let sync: 'normal' | 'full' = 'normal';
let sealIntervalMs = 30_000;
let sqliteDriver: SqliteDriverName | undefined;
let queryWorkers = Math.max(1, availableParallelism() - 1);
const limits: Partial<Limits> = {};
let rulesDir: string | undefined;
const ruler: {
  -readonly [K in keyof RulerOptions]?: RulerOptions[K];
} = {};
let alertmanagerUser: string | undefined;
let alertmanagerPasswordFile: string | undefined;
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  const next = () => args[++i] ?? usage(`${a} needs a value`);
  switch (a) {
    case '--listen':
      listen = next();
      break;
    case '--data-dir':
      dataDir = next();
      break;
    case '--retention-age':
      retentionAge = Number(parseDuration(next(), 'prometheus')) / 1e6;
      break;
    case '--retention-bytes':
    case '--retention-size': // the older name
      retentionBytes = next();
      break;
    case '--auth-tokens-file':
      authTokensFile = next();
      break;
    case '--auth-token-file':
      authToken = readFileSync(next(), 'utf8').trim();
      break;
    case '--stream-idle-period':
      // Loki's chunk_idle_period: streams without an entry for this long stop counting as active.
      limits.chunk_idle_period_ms = Number(parseDuration(next(), 'prometheus')) / 1e6;
      break;
    case '--query-timeout':
      limits.query_timeout_ms = durationMs(a, next());
      break;
    case '--max-query-length':
      limits.max_query_length_ms = durationMs(a, next());
      break;
    case '--max-query-parallelism': {
      const v = next();
      if (!/^\d+$/.test(v)) usage(`${a} takes a whole number`);
      limits.max_query_parallelism = Number(v);
      break;
    }
    case '--query-workers': {
      const v = next();
      if (!/^\d+$/.test(v)) usage(`${a} takes a whole number`);
      queryWorkers = Number(v);
      break;
    }
    case '--rules-dir':
      rulesDir = next();
      break;
    case '--ruler-evaluation-interval':
      ruler.evaluationIntervalMs = durationMs(a, next()) || 60_000;
      break;
    case '--ruler-resend-delay':
      ruler.resendDelayMs = durationMs(a, next());
      break;
    case '--ruler-alertmanager-url':
      ruler.alertmanagerUrls = next()
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean);
      for (const u of ruler.alertmanagerUrls) if (!URL.canParse(u)) usage(`${a}: not a URL: ${u}`);
      break;
    case '--ruler-alertmanager-basic-auth-username':
      alertmanagerUser = next();
      break;
    case '--ruler-alertmanager-basic-auth-password-file':
      alertmanagerPasswordFile = next();
      break;
    case '--ruler-remote-write-url': {
      const u = next();
      if (!URL.canParse(u)) usage(`${a}: not a URL: ${u}`);
      ruler.remoteWriteUrl = u;
      break;
    }
    case '--ruler-external-url':
      ruler.externalUrl = next().replace(/\/+$/, '');
      break;
    case '--seal-interval':
      sealIntervalMs = Number(parseDuration(next(), 'prometheus')) / 1e6;
      break;
    case '--require-tenant':
      requireTenant = true;
      break;
    case '--sync': {
      const v = next();
      if (v !== 'normal' && v !== 'full') usage('--sync must be normal or full');
      sync = v;
      break;
    }
    case '--sqlite-driver':
      try {
        sqliteDriver = parseSqliteDriver(next());
      } catch (e) {
        usage((e as Error).message);
      }
      break;
    case '--limit': {
      const [k, v] = next().split('=');
      if (!k || v === undefined) usage('--limit takes name=value');
      if (!(k in DEFAULT_LIMITS)) usage(`unknown limit ${k}`);
      const wanted = typeof DEFAULT_LIMITS[k as keyof Limits];
      if (wanted === 'boolean') {
        if (v !== 'true' && v !== 'false') usage(`--limit ${k} takes true or false`);
        (limits as Record<string, boolean>)[k] = v === 'true';
      } else {
        if (v === '' || Number.isNaN(Number(v))) usage(`--limit ${k} takes a number`);
        (limits as Record<string, number>)[k] = Number(v);
      }
      break;
    }
    default:
      usage(`unknown argument ${a}`);
  }
}
const idx = listen.lastIndexOf(':');
const host = idx > 0 ? listen.slice(0, idx) : '127.0.0.1';
const port = Number(listen.slice(idx + 1));
if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`invalid --listen ${listen}`);

if (authToken && authTokensFile) usage('--auth-token-file and --auth-tokens-file cannot be combined');
let tenantAuth: TokensFile | undefined;
if (authTokensFile) {
  try {
    tenantAuth = new TokensFile(authTokensFile);
  } catch (e) {
    usage(`--auth-tokens-file: ${(e as Error).message}`);
  }
}

if ((alertmanagerUser === undefined) !== (alertmanagerPasswordFile === undefined))
  usage(
    '--ruler-alertmanager-basic-auth-username and --ruler-alertmanager-basic-auth-password-file go together',
  );
if (alertmanagerUser !== undefined && alertmanagerPasswordFile !== undefined) {
  const password = readFileSync(alertmanagerPasswordFile, 'utf8').trim();
  ruler.alertmanagerAuthorization = `Basic ${Buffer.from(`${alertmanagerUser}:${password}`).toString('base64')}`;
}
if (!rulesDir && Object.keys(ruler).length > 0) usage('the --ruler-* flags need --rules-dir');

mkdirSync(dataDir, { recursive: true });
let store: ReturnType<typeof createLogStore>;
try {
  store = createLogStore({
    dataDir,
    host,
    port,
    limits,
    requireTenant,
    sync,
    sealIntervalMs,
    queryWorkers,
    ...(sqliteDriver ? { sqliteDriver } : {}),
    retentionMaxAgeMs: retentionAge,
    ...(retentionBytes !== undefined
      ? { retentionMaxBytes: parseRetentionBytes(retentionBytes, dataDir, parseBytes) }
      : {}),
    ...(authToken ? { authToken } : {}),
    ...(tenantAuth ? { tenantAuth } : {}),
    ...(rulesDir ? { ruler: { ...ruler, rulesDir } } : {}),
  });
} catch (e) {
  if (e instanceof RuleFileError) usage(`--rules-dir: invalid rule files:\n${e.message}`);
  throw e;
}
const url = await store.listen().catch((e: Error) => {
  process.stderr.write(`logstore: cannot listen on ${listen}: ${e.message}\n`);
  process.exit(1);
});
process.stdout.write(`logstore listening on ${url}\n`);
const stop = () => {
  store.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
