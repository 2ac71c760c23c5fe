// The log store under test: its bin, as the supervisor runs it, in its own process, limits raised for the
// bench.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { SqliteDriverName } from '@opsight/sqlite';

/** A running store. */
export interface StoreProcess {
  child: ChildProcess;
  /** Its base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
}

/** The most entries a query may ask for (`max_entries_limit_per_query`): enough for every `|=` hit. */
export const MAX_ENTRIES_PER_QUERY = 1_000_000;

/** The out-of-order window the store runs with, so that /flush seals all but the last 5 minutes. */
export const OUT_OF_ORDER_WINDOW_MS = 300_000;

const running = new Set<ChildProcess>();

/** Starts the store bin on `driver` over `dataDir` (made private if new); resolves once it listens. */
export function startStore(dataDir: string, driver: SqliteDriverName): Promise<StoreProcess> {
  const bin = join(
    dirname(createRequire(import.meta.url).resolve('@opsight/logstore')),
    'bin',
    'logstore.js',
  );
  const limits = [
    'ingestion_rate_mb=1000000',
    'ingestion_burst_size_mb=1000000',
    `max_entries_limit_per_query=${MAX_ENTRIES_PER_QUERY}`,
    `out_of_order_window_ms=${OUT_OF_ORDER_WINDOW_MS}`,
  ];
  const args = [
    bin,
    '--listen',
    '127.0.0.1:0',
    '--data-dir',
    dataDir,
    '--seal-interval',
    '0s',
    '--sqlite-driver',
    driver,
    ...limits.flatMap((l) => ['--limit', l]),
    // More flags of the store's bin, e.g. BENCH_STORE_ARGS='--query-workers 2'.
    ...(process.env.BENCH_STORE_ARGS ?? '').split(/\s+/).filter(Boolean),
  ];
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`logstore exited (${code}): ${out}`)));
  });
}

/** Stops a store (SIGTERM) and waits for it to exit. */
export async function stopStore(store: StoreProcess): Promise<void> {
  if (store.child.exitCode !== null || store.child.signalCode !== null) return;
  const exited = once(store.child, 'exit');
  store.child.kill('SIGTERM');
  await exited;
}

/** Kills every store still running (the bench failed midway). */
export function killStores(): void {
  for (const child of running) child.kill('SIGKILL');
}
