// Push latency while heavy queries run: the store's bin on a filled database, small pushes at a fixed rate,
// first with no query running, then while several heavy LogQL queries run at once; once with queries on
// the main thread (--query-workers 0) and once with the bin's default query workers.
//   npm run push-under-query -w bench/logstore                  300,000 lines, 10 s per phase
//   npm run push-under-query -w bench/logstore -- 1000000 20    lines, seconds per phase
//   npm run push-under-query -w bench/logstore -- 300000 10 0,1,2,default   --query-workers values
// Figure: push p99 while heavy queries run stays within 2× its idle value, and at most 50 ms.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LogStorage } from '@opsight/logstore';
import { TARGETS } from './rows.js';

/** The heavy query: a regex over every line of the hour, counted per minute. */
export const HEAVY_QUERY = 'sum by (app) (count_over_time({app=~".+"} |~ "x.*y" [1m]))';
/** Target: p99 under query at most this many times the idle p99, and at most this many ms. */
const TARGET_RATIO = TARGETS.pushUnderQueryVsIdle;
const TARGET_MAX_MS = TARGETS.pushUnderQueryMs;

/** What to measure. */
export interface PushUnderQueryOptions {
  /** Lines in the database before the measurement, spread over the hour before now. @default 300000 */
  lines?: number;
  /** Seconds of each phase (idle, under query). @default 10 */
  seconds?: number;
  /** Pushes per second, each of `linesPerPush` lines. @default 50 */
  pushesPerSecond?: number;
  /** @default 10 */
  linesPerPush?: number;
  /** Heavy queries running at once during the second phase. @default 4 */
  queries?: number;
  /** The `--query-workers` values to run, in order; `undefined` is the bin's default. @default [0, undefined] */
  workers?: Array<number | undefined>;
}

/** Latency percentiles of the pushes of one phase, ms. */
export interface PushLatency {
  p50: number;
  p99: number;
  pushes: number;
  /** Pushes not answered 204. */
  failed: number;
}

/** One configuration's figure. */
export interface PushUnderQueryResult {
  /** `--query-workers` given, or 'default'. */
  workers: string;
  idle: PushLatency;
  underQuery: PushLatency;
  /** underQuery.p99 / idle.p99 */
  ratio: number;
  /** Heavy queries answered during the phase, and their mean time. */
  queriesDone: number;
  queryMeanMs: number;
  meets: boolean;
}

const HOUR_NS = 3_600_000_000_000n;
const APPS = ['api-service', 'model-router', 'model-serving', 'gateway'];
const PATHS = ['/v1/chat/completions', '/v1/models', '/v1/embeddings'];
const LEVELS = ['INFO', 'INFO', 'INFO', 'INFO', 'WARN', 'ERROR'];

/** Fills a store directory with `lines` JSON lines over the hour before now, sealed as a running store would. */
function fill(dataDir: string, lines: number): void {
  const storage = new LogStorage({ dataDir });
  const end = BigInt(Date.now()) * 1_000_000n - 60_000_000_000n;
  const step = HOUR_NS / BigInt(lines);
  let seed = 0x2545f491;
  const rnd = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x100000000;
  };
  const BATCH = 10_000;
  for (let b = 0; b < lines; b += BATCH) {
    const streams = new Map<
      string,
      { labels: Record<string, string>; entries: Array<{ ts: bigint; line: string }> }
    >();
    for (let i = b; i < Math.min(lines, b + BATCH); i++) {
      const app = APPS[i % APPS.length]!;
      const level = LEVELS[Math.floor(rnd() * LEVELS.length)]!;
      const key = `${app}/${level}`;
      let s = streams.get(key);
      if (!s) {
        s = { labels: { app, level, namespace: 'platform' }, entries: [] };
        streams.set(key, s);
      }
      const ts = end - HOUR_NS + BigInt(i) * step;
      s.entries.push({
        ts,
        line: JSON.stringify({
          timestamp: new Date(Number(ts / 1_000_000n)).toISOString(),
          level,
          service: app,
          message: rnd() < 0.5 ? 'request served' : 'upstream call finished',
          path: PATHS[Math.floor(rnd() * PATHS.length)],
          status: rnd() < 0.95 ? 200 : 503,
          latency_ms: Math.floor(rnd() * 2000),
          request_id: `req-${Math.floor(rnd() * 1e12).toString(16)}`,
        }),
      });
    }
    storage.append('fake', [...streams.values()]);
  }
  storage.seal(5n * 60_000_000_000n);
  storage.close();
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function startStore(
  dataDir: string,
  workers: number | undefined,
): Promise<{ child: ChildProcess; url: string }> {
  const bin = join(
    dirname(createRequire(import.meta.url).resolve('@opsight/logstore')),
    'bin',
    'logstore.js',
  );
  const args = [bin, '--listen', '127.0.0.1:0', '--data-dir', dataDir];
  if (workers !== undefined) args.push('--query-workers', String(workers));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`logstore exited early (${code}): ${out}`)));
  });
}

/** Pushes at a fixed rate for `seconds` (each push sent on time, whether or not the last one is answered). */
async function pushFor(
  url: string,
  o: Required<PushUnderQueryOptions>,
  seconds: number,
): Promise<PushLatency> {
  const times: number[] = [];
  let failed = 0;
  let n = 0;
  const pending: Array<Promise<void>> = [];
  const push = async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const values = Array.from({ length: o.linesPerPush }, (_, i) => [
      String(now + BigInt(i)),
      `{"level":"INFO","message":"push ${n} line ${i}","path":"/v1/models","latency_ms":${i}}`,
    ]);
    n++;
    const body = JSON.stringify({ streams: [{ stream: { app: 'bench-push', level: 'INFO' }, values }] });
    const started = performance.now();
    try {
      const r = await fetch(`${url}/loki/api/v1/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await r.arrayBuffer();
      if (r.status !== 204) failed++;
    } catch {
      failed++;
    }
    times.push(performance.now() - started);
  };
  const interval = 1000 / o.pushesPerSecond;
  const t0 = performance.now();
  for (let i = 0; i < seconds * o.pushesPerSecond; i++) {
    const wait = t0 + i * interval - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(push());
  }
  await Promise.all(pending);
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), pushes: times.length, failed };
}

/** Runs `count` clients, each sending the heavy query again as soon as it is answered, until stopped. */
function heavyQueries(url: string, count: number): { stop: () => Promise<{ done: number; meanMs: number }> } {
  const stopper = new AbortController();
  let done = 0;
  let total = 0;
  const end = BigInt(Date.now()) * 1_000_000n;
  const params = new URLSearchParams({
    query: HEAVY_QUERY,
    start: String(end - HOUR_NS - 120_000_000_000n),
    end: String(end),
    step: '60',
  });
  const client = async () => {
    while (!stopper.signal.aborted) {
      const started = performance.now();
      try {
        const r = await fetch(`${url}/loki/api/v1/query_range?${params}`, { signal: stopper.signal });
        await r.arrayBuffer();
        if (r.status !== 200) throw new Error(`heavy query answered ${r.status}`);
        done++;
        total += performance.now() - started;
      } catch (e) {
        if (!stopper.signal.aborted) throw e;
      }
    }
  };
  const clients = Array.from({ length: count }, client);
  return {
    stop: async () => {
      stopper.abort();
      await Promise.all(clients);
      return { done, meanMs: done > 0 ? total / done : Number.NaN };
    },
  };
}

/** Measures push latency idle and under heavy queries, for each `--query-workers` value. */
export async function measurePushUnderQuery(
  options: PushUnderQueryOptions = {},
): Promise<PushUnderQueryResult[]> {
  const o: Required<PushUnderQueryOptions> = {
    lines: options.lines ?? 300_000,
    seconds: options.seconds ?? 10,
    pushesPerSecond: options.pushesPerSecond ?? 50,
    linesPerPush: options.linesPerPush ?? 10,
    queries: options.queries ?? 4,
    workers: options.workers ?? [0, undefined],
  };
  const root = mkdtempSync(join(tmpdir(), 'opsight-push-under-query-'));
  const results: PushUnderQueryResult[] = [];
  try {
    const template = join(root, 'template');
    fill(template, o.lines);
    for (const workers of o.workers) {
      const dataDir = join(root, `workers-${workers ?? 'default'}`);
      cpSync(template, dataDir, { recursive: true });
      const { child, url } = await startStore(dataDir, workers);
      try {
        await pushFor(url, o, 2); // warm-up
        const idle = await pushFor(url, o, o.seconds);
        const heavy = heavyQueries(url, o.queries);
        const underQuery = await pushFor(url, o, o.seconds);
        const q = await heavy.stop();
        const ratio = underQuery.p99 / idle.p99;
        results.push({
          workers: workers === undefined ? 'default' : String(workers),
          idle,
          underQuery,
          ratio,
          queriesDone: q.done,
          queryMeanMs: q.meanMs,
          meets: ratio <= TARGET_RATIO && underQuery.p99 <= TARGET_MAX_MS && underQuery.failed === 0,
        });
      } finally {
        child.kill('SIGTERM');
        await once(child, 'exit');
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return results;
}

/** The results as a markdown table, with the target. */
export function formatPushUnderQuery(
  results: PushUnderQueryResult[],
  options: PushUnderQueryOptions = {},
): string {
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const rows = results.map((r) => [
    r.workers,
    ms(r.idle.p50),
    ms(r.idle.p99),
    ms(r.underQuery.p50),
    ms(r.underQuery.p99),
    `${r.ratio.toFixed(2)}×`,
    `${r.queriesDone} (${r.queryMeanMs.toFixed(0)} ms each)`,
    `${r.meets ? 'meets' : 'MISSES'} (≤ ${TARGET_RATIO}× idle, ≤ ${TARGET_MAX_MS} ms)`,
  ]);
  const head = [
    '--query-workers',
    'idle p50',
    'idle p99',
    'under query p50',
    'under query p99',
    'p99 ratio',
    'heavy queries answered',
    'target',
  ];
  const lines = [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`);
  return [
    `push latency while ${options.queries ?? 4} heavy queries run at once: ${HEAVY_QUERY} over ${(options.lines ?? 300_000).toLocaleString('en')} lines`,
    ...lines,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const options: PushUnderQueryOptions = {
    lines: Number(process.argv[2] ?? 300_000),
    seconds: Number(process.argv[3] ?? 10),
    ...(process.argv[4]
      ? { workers: process.argv[4].split(',').map((w) => (w === 'default' ? undefined : Number(w))) }
      : {}),
  };
  const results = await measurePushUnderQuery(options);
  process.stdout.write(`${formatPushUnderQuery(results, options)}\n`);
}
