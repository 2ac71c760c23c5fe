import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Checkout root. */
export const root = resolve(fileURLToPath(import.meta.url), '../../../../..');

/**
 * The whole-stack tests run their own stack: every port shifted by 10000 (so a stack started with
 * `npm run up` is never touched), state in var/e2e, and 1 s scrape and evaluation intervals.
 */
export const E2E_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  OPSIGHT_PORT_OFFSET: '10000',
  OPSIGHT_VAR_DIR: join(root, 'var', 'e2e'),
  OPSIGHT_FAST: '1',
  NO_COLOR: '1',
  // The fault suite's receiver on the relay (route `chaos` only; test/chaos/README.md).
  ALERT_RELAY_CONFIG: join(root, 'test', 'chaos', 'relay-receivers.json'),
  OPSIGHT_CHAOS_RECEIVER_URL: 'http://127.0.0.1:19097/chaos-receiver',
};

export const varDir = E2E_ENV.OPSIGHT_VAR_DIR!;
export const port = (defaultPort: number) => defaultPort + 10000;
export const PROMETHEUS = `http://127.0.0.1:${port(9090)}`;

/** The opsight program, found through its package (whose entry point is dist/src/index.js). */
export const cli = join(dirname(fileURLToPath(import.meta.resolve('@opsight/cli'))), 'bin', 'opsight.js');

/** Runs the opsight CLI against the e2e stack (or `env` for another). */
export function opsight(args: string[], env: NodeJS.ProcessEnv = E2E_ENV): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8', timeout: 180_000 });
}

/** A secret of the e2e stack. */
export function secret(name: string): string {
  return readFileSync(join(varDir, 'secrets', name), 'utf8').trim();
}

/** The e2e stack's Alertmanager (basic auth on every path: apps/cli/src/stack/alertmanager-auth.ts). */
export const ALERTMANAGER = `http://127.0.0.1:${port(9093)}`;

/** The `Authorization` header Alertmanager wants (user `opsight`, password in var/secrets/alertmanager). */
export function alertmanagerAuth(): { authorization: string } {
  return { authorization: `Basic ${Buffer.from(`opsight:${secret('alertmanager')}`).toString('base64')}` };
}

/** Instant PromQL query; returns the result vector. */
export async function promQuery(
  query: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${PROMETHEUS}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { status: string; data: { result: never[] }; error?: string };
  if (body.status !== 'success') throw new Error(`query ${query}: ${body.error}`);
  return body.data.result;
}

/** Polls `fn` until it returns a truthy value; rejects with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** psql against the e2e stack as the superuser; returns stdout (tuples only, unaligned). */
export function psql(portNumber: number, sql: string, database = 'opsight'): string {
  const r = spawnSync(
    '/usr/lib/postgresql/15/bin/psql',
    [
      '-X',
      '-At',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      '127.0.0.1',
      '-p',
      String(portNumber),
      '-U',
      'postgres',
      '-d',
      database,
      '-c',
      sql,
    ],
    { env: { ...process.env, PGPASSWORD: secret('postgres-superuser') }, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
  return r.stdout.trim();
}
