// Log store benchmark: every figure the store is held to beside its target, in one run, on each SQLite
// driver (or those of BENCH_DRIVERS):
//   npm run bench -w bench/logstore                    1,000,000 lines, 2 rounds, both drivers
//   npm run bench -w bench/logstore -- 300000 1        another size, 1 round
//   BENCH_DRIVERS=better-sqlite3 npm run bench -w bench/logstore -- 50000 1
//   BENCH_STORE_ARGS='--query-workers 2' npm run bench -w bench/logstore   more flags of the store's bin
// Generates JSON lines shaped like the services' logs over one hour (workload.ts), then in each round runs
// the store's bin on each driver in turn, pushes the lines (snappy protobuf, as Alloy sends them; two
// collectors, one push in flight each), times the queries over rows, seals, and times them again. Each
// figure keeps the best of its rounds. A second table shows the query statistics the store returned, a third
// push latency while heavy queries run (push-under-query.ts; BENCH_PUSH_UNDER_QUERY=0 skips it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DriverComparison,
  driversInRound,
  driversToMeasure,
  processCpuSeconds,
  processRssBytes,
} from '@opsight/bench-sqlite-drivers';
import type { SqliteDriverName } from '@opsight/sqlite';
import { formatPushUnderQuery, measurePushUnderQuery } from './push-under-query.js';
import { QueryStatsTable } from './query-stats.js';
import {
  type Baseline,
  detailRows,
  type Phase,
  QUERIES,
  type QueryFigures,
  type Row,
  type RunFigures,
  type Timed,
  targetRows,
} from './rows.js';
import {
  killStores,
  MAX_ENTRIES_PER_QUERY,
  type StoreProcess,
  startStore,
  stopStore,
} from './store-process.js';
import { BATCH_LINES, COLLECTORS, generateWorkload, type Workload } from './workload.js';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = Number(process.argv[3] ?? 2);
const DRIVERS = driversToMeasure(process.env.BENCH_DRIVERS);
/** Whether the run ends with push latency under heavy queries (push-under-query.ts); BENCH_PUSH_UNDER_QUERY=0 skips it. */
const PUSH_UNDER_QUERY = process.env.BENCH_PUSH_UNDER_QUERY !== '0';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** A query_range answer, as far as the bench reads it. */
interface QueryAnswer {
  data: { result: Array<{ values?: unknown[] }>; stats?: unknown };
}

/** What every run must find, by query: every driver and round, over rows and sealed, must answer the same. */
const expectedFound = new Map<string, number>();

function checkFound(query: string, found: number, run: string): void {
  const seen = expectedFound.get(query);
  if (seen === undefined) expectedFound.set(query, found);
  else if (seen !== found) throw new Error(`${run}: ${query} found ${found}, another run found ${seen}`);
}

/** Pushes every collector's batches, each collector one push at a time; returns the seconds it took. */
async function ingest(url: string, w: Workload): Promise<number> {
  const collector = async (pushes: Buffer[]): Promise<void> => {
    for (const body of pushes) {
      const r = await fetch(`${url}/loki/api/v1/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body,
      });
      if (r.status !== 204) throw new Error(`push failed: ${r.status} ${(await r.text()).slice(0, 500)}`);
    }
  };
  const t0 = performance.now();
  await Promise.all(w.pushes.map(collector));
  return (performance.now() - t0) / 1000;
}

/** The queries of one phase, each timed (median of several runs), their answers checked across runs. */
async function timeQueries(
  store: StoreProcess,
  w: Workload,
  phase: Phase,
  driver: SqliteDriverName,
  stats: QueryStatsTable,
): Promise<QueryFigures> {
  const range = { start: w.start.toString(), end: (w.end + 1n).toString() };
  const query = async (params: Record<string, string>): Promise<QueryAnswer> => {
    const u = new URL(`${store.url}/loki/api/v1/query_range`);
    for (const [k, v] of Object.entries({ ...params, ...range })) u.searchParams.set(k, v);
    const r = await fetch(u);
    if (r.status !== 200) throw new Error(`${params.query} ${r.status}: ${await r.text()}`);
    return (await r.json()) as QueryAnswer;
  };
  const lines = (a: QueryAnswer) => a.data.result.reduce((n, s) => n + (s.values?.length ?? 0), 0);
  const series = (a: QueryAnswer) => a.data.result.length;
  const timed = async (
    name: string,
    runs: number,
    params: Record<string, string>,
    found: (a: QueryAnswer) => number,
  ): Promise<Timed> => {
    const times: number[] = [];
    let answer: QueryAnswer | undefined;
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      answer = await query(params);
      times.push(performance.now() - t);
    }
    const n = found(answer!);
    checkFound(params.query!, n, `${driver}, ${phase}`);
    stats.add(`${name}, ${phase}`, answer!.data.stats);
    return { ms: median(times), found: n };
  };
  return {
    selector: await timed('selector, newest 100', 5, { query: QUERIES.selector, limit: '100' }, lines),
    lineFilter: await timed(
      '|= "needle"',
      3,
      { query: QUERIES.lineFilter, limit: String(MAX_ENTRIES_PER_QUERY) },
      lines,
    ),
    unwrapRate: await timed('unwrap rate', 3, { query: QUERIES.unwrapRate, step: '60' }, series),
    traceLookup: await timed('{trace_id="…"}', 5, { query: `{trace_id="${w.aTrace}"}` }, lines),
  };
}

async function storageBytes(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^opsight_logstore_storage_bytes (\d+)/m.exec(text)?.[1] ?? 0);
}

/** One run: a fresh store on `driver`, the whole workload pushed, the queries timed over rows and sealed. */
async function runOnce(
  driver: SqliteDriverName,
  w: Workload,
  dataDir: string,
  stats: QueryStatsTable,
): Promise<RunFigures> {
  const store = await startStore(dataDir, driver);
  const pid = store.child.pid!;
  try {
    const cpu0 = processCpuSeconds(pid);
    const ingestS = await ingest(store.url, w);
    const cpuS = processCpuSeconds(pid) - cpu0;
    const rowBytes = (await storageBytes(store.url)) / w.lines;
    const rows = await timeQueries(store, w, 'rows', driver, stats);

    // Everything behind the out-of-order window sealed into compressed chunks, and the queries again.
    const ts = performance.now();
    const flush = await fetch(`${store.url}/flush`, { method: 'POST' });
    if (flush.status !== 204) throw new Error(`flush: ${flush.status}`);
    const sealS = (performance.now() - ts) / 1000;
    const sealedBytes = (await storageBytes(store.url)) / w.lines;
    const sealed = await timeQueries(store, w, 'sealed', driver, stats);
    return {
      ingest: {
        linesPerSecond: w.lines / ingestS,
        mbPerSecond: w.rawBytes / 1e6 / ingestS,
        cpuUsPerLine: (cpuS * 1e6) / w.lines,
      },
      bytesPerLine: { rows: rowBytes, sealed: sealedBytes },
      sealLinesPerSecond: w.lines / sealS,
      queries: { rows, sealed },
      rssMiB: processRssBytes(pid) / 1024 / 1024,
    };
  } finally {
    await stopStore(store);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `grep -c needle` over the lines' file, best of 3, ms. */
function grepMs(w: Workload): number {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    execFileSync('grep', ['-c', 'needle', w.rawFile]);
    times.push(performance.now() - t);
  }
  return Math.min(...times);
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'bench-logstore-'));
  try {
    process.stdout.write(`generating ${TOTAL.toLocaleString('en')} lines…\n`);
    const w = await generateWorkload(dir, TOTAL);
    const base: Baseline = { grepMs: grepMs(w), lineBytes: w.rawBytes / w.lines };
    const c = new DriverComparison();
    let stats = new QueryStatsTable();
    let statsOf = '';
    for (let round = 0; round < ROUNDS; round++) {
      for (const driver of driversInRound(round, DRIVERS)) {
        process.stdout.write(`round ${round + 1}/${ROUNDS}: ${driver}…\n`);
        stats = new QueryStatsTable();
        statsOf = `round ${round + 1}, ${driver}`;
        const dataDir = join(dir, `data-${round}-${driver.replace(':', '-')}`);
        const f = await runOnce(driver, w, dataDir, stats);
        const rows: Row[] = [...targetRows(f, base), ...detailRows(f, base)];
        for (const row of rows) c.record(driver, row.figure, row.value);
      }
    }
    const rounds = `${ROUNDS} round${ROUNDS === 1 ? '' : 's'}`;
    process.stdout.write(
      `\nlog store benchmark, ${new Date().toISOString().slice(0, 16)}Z, Node ${process.versions.node}: ` +
        `${w.lines.toLocaleString('en')} lines (${(w.rawBytes / 1e6).toFixed(0)} MB, ${base.lineBytes.toFixed(0)} B a line), ` +
        `${COLLECTORS} collectors pushing ${BATCH_LINES.toLocaleString('en')} lines a request, ` +
        `best of ${rounds} on ${DRIVERS.join(', ')}; load average ${loadAtStart.toFixed(1)} at the start, ` +
        `${loadavg()[0]!.toFixed(1)} at the end\n\n`,
    );
    process.stdout.write(`${c.table(DRIVERS)}\n`);
    process.stdout.write(
      `\nquery statistics the store returned (${statsOf}, the last run of each query):\n\n`,
    );
    process.stdout.write(`${stats.table()}\n`);
    if (PUSH_UNDER_QUERY) {
      // Push latency under heavy queries: on its own store (the bin's default driver), queries on the main
      // thread and in the default query workers.
      process.stdout.write('\nmeasuring push latency under heavy queries…\n');
      const options = { lines: Math.min(TOTAL, 300_000), seconds: 10, workers: [0, undefined] };
      const pushes = await measurePushUnderQuery(options);
      process.stdout.write(`\n${formatPushUnderQuery(pushes, options)}\n`);
    }
  } finally {
    killStores();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
