// Log store benchmark, both SQLite drivers side by side in one run (targets printed beside each figure):
//   npm run bench -w bench/logstore               1,000,000 lines, 2 rounds
//   npm run bench -w bench/logstore -- 200000 3   another size, 3 rounds
// Generates realistic JSON lines shaped like the services' logs over one hour (once, the same for every
// run), then in each round runs the store's bin on each driver in turn (as the supervisor runs it, with
// `--sqlite-driver`), pushes the lines in batches (snappy protobuf, as Alloy sends them; two pushes in
// flight, as from two collectors), times the queries over rows, seals, and times them again.
// Each figure keeps the best of its rounds; the table prints node:sqlite / better-sqlite3 for each.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  DriverComparison,
  driversInRound,
  type Figure,
  processCpuSeconds,
  processRssBytes,
} from '@opsight/bench-sqlite-drivers';
import { encodePushProtobuf, formatLabels } from '@opsight/logstore';
import type { SqliteDriverName } from '@opsight/sqlite';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = Number(process.argv[3] ?? 2);
const BATCH = 5000;
const HOUR_NS = 3_600_000_000_000n;

// Deterministic pseudo-random numbers (xorshift), so every run pushes the same data.
let seed = 0x9e3779b9;
function rnd(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x100000000;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');

const PODS: Record<string, string[]> = {
  'api-service': ['api-service-7d4f9-a1', 'api-service-7d4f9-b2'],
  'model-router': ['model-router-6c8d7-c3', 'model-router-6c8d7-d4'],
  'model-serving': ['model-serving-0', 'model-serving-1', 'model-serving-2'],
  gateway: ['gateway-5f6b8-e5'],
};
const APPS = Object.keys(PODS);
const PATHS = ['/v1/chat/completions', '/v1/models', '/v1/embeddings'];
const MODELS = ['gpt-4o', 'llama-3-70b', 'qwen-72b', 'mistral-7b'];

function level(): string {
  const r = rnd();
  return r < 0.01 ? 'DEBUG' : r < 0.91 ? 'INFO' : r < 0.96 ? 'WARN' : 'ERROR';
}

interface Gen {
  labels: Record<string, string>;
  ts: bigint;
  line: string;
  metadata: Record<string, string>;
}

function generate(i: number, ts: bigint): Gen {
  const app = pick(APPS);
  const lvl = level();
  const pod = pick(PODS[app]!);
  const trace = hex(32);
  const md = { trace_id: trace, request_id: `req-${hex(12)}`, user_id: `user-${Math.floor(rnd() * 5000)}` };
  const base = {
    timestamp: new Date(Number(ts / 1_000_000n)).toISOString(),
    level: lvl,
    service: app,
    message: '',
    trace_id: trace,
    span_id: hex(16),
    request_id: md.request_id,
    user_id: md.user_id,
  };
  let body: Record<string, unknown>;
  const needle = i % 1000 === 7;
  switch (app) {
    case 'api-service':
      body = {
        ...base,
        message: needle
          ? 'needle request completed'
          : lvl === 'ERROR'
            ? 'upstream error'
            : 'request completed',
        path: pick(PATHS),
        status: lvl === 'ERROR' ? 502 : 200,
        latency_ms: Math.round(20 + rnd() * 2000),
        model_name: pick(MODELS),
      };
      break;
    case 'model-router':
      body = {
        ...base,
        message: needle ? 'needle routed' : lvl === 'ERROR' ? 'no healthy backend' : 'routed request',
        model_name: pick(MODELS),
        backend: `model-serving-${Math.floor(rnd() * 3)}`,
        retries: lvl === 'ERROR' ? 2 : 0,
        latency_ms: Math.round(5 + rnd() * 100),
      };
      break;
    case 'model-serving':
      body = {
        ...base,
        message: needle ? 'needle inference done' : 'inference done',
        model_name: pick(MODELS),
        prompt_tokens: Math.floor(rnd() * 2000),
        output_tokens: Math.floor(rnd() * 800),
        latency_ms: Math.round(100 + rnd() * 5000),
      };
      break;
    default:
      body = {
        ...base,
        message: needle ? 'needle access' : 'access',
        path: pick(PATHS),
        status: lvl === 'ERROR' ? 504 : 200,
        request_time: Number((rnd() * 3).toFixed(3)),
        bytes_sent: Math.floor(rnd() * 50_000),
      };
  }
  return {
    labels: { namespace: 'prod', app, container: app, pod, level: lvl },
    ts,
    line: JSON.stringify(body),
    metadata: md,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time<T>(runs: number, fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const times: number[] = [];
  let result: T | undefined;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = await fn();
    times.push(performance.now() - t);
  }
  return { ms: median(times), result: result! };
}

/** The lines to push, generated once: every run pushes the same batches. */
interface Workload {
  bodies: Buffer[];
  rawFile: string;
  rawBytes: number;
  aTrace: string;
  start: bigint;
  end: bigint;
}

function generateWorkload(dir: string): Promise<Workload> {
  const end = BigInt(Date.now()) * 1_000_000n;
  const start = end - HOUR_NS;
  const stepNs = HOUR_NS / BigInt(TOTAL);
  const rawFile = join(dir, 'lines.log');
  const out = createWriteStream(rawFile);
  const bodies: Buffer[] = [];
  let rawBytes = 0;
  let aTrace = '';
  for (let b = 0; b < TOTAL; b += BATCH) {
    const streams = new Map<
      string,
      { labels: string; entries: Array<{ ts: bigint; line: string; metadata: Record<string, string> }> }
    >();
    let text = '';
    for (let i = b; i < Math.min(TOTAL, b + BATCH); i++) {
      const g = generate(i, start + BigInt(i) * stepNs);
      if (i === Math.floor(TOTAL / 2)) aTrace = g.metadata.trace_id!;
      const key = formatLabels(g.labels);
      let s = streams.get(key);
      if (!s) {
        s = { labels: key, entries: [] };
        streams.set(key, s);
      }
      s.entries.push({ ts: g.ts, line: g.line, metadata: g.metadata });
      text += `${g.line}\n`;
      rawBytes += Buffer.byteLength(g.line);
    }
    out.write(text);
    bodies.push(encodePushProtobuf([...streams.values()]));
  }
  return new Promise((resolve) => out.end(() => resolve({ bodies, rawFile, rawBytes, aTrace, start, end })));
}

const ms0 = (v: number) => `${v.toFixed(0)} ms`;
const ms1 = (v: number) => `${v.toFixed(1)} ms`;
const int = (v: number) => Math.round(v).toLocaleString('en');

/** What every run must find, by query: both drivers must answer the same. */
const expectedHits = new Map<string, number>();

function checkHits(query: string, hits: number, driver: SqliteDriverName): void {
  const seen = expectedHits.get(query);
  if (seen === undefined) expectedHits.set(query, hits);
  else if (seen !== hits) throw new Error(`${driver}: ${query} found ${hits}, another run found ${seen}`);
}

/** One run: a fresh store on `driver`, the whole workload pushed, the queries timed. */
async function runOnce(
  driver: SqliteDriverName,
  w: Workload,
  dataDir: string,
  grepMs: number,
  c: DriverComparison,
): Promise<void> {
  const bin = join(
    dirname(createRequire(import.meta.url).resolve('@opsight/logstore')),
    'bin',
    'logstore.js',
  );
  const { child, url } = await startStore(bin, dataDir, driver);
  const record = (figure: Figure, value: number) => c.record(driver, figure, value);
  try {
    // 1. Ingest: two pushes in flight, batches in time order.
    const cpu0 = processCpuSeconds(child.pid!);
    const t0 = performance.now();
    let next = 0;
    const pusher = async (): Promise<void> => {
      while (next < w.bodies.length) {
        const body = w.bodies[next++]!;
        const r = await fetch(`${url}/loki/api/v1/push`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body,
        });
        if (r.status !== 204) throw new Error(`push failed: ${r.status} ${(await r.text()).slice(0, 500)}`);
      }
    };
    await Promise.all([pusher(), pusher()]);
    const ingestS = (performance.now() - t0) / 1000;
    const cpuS = processCpuSeconds(child.pid!) - cpu0;
    record(
      {
        name: 'ingest lines/s',
        better: 'higher',
        format: int,
        target: '>= 100,000',
        meets: (v) => v >= 100_000,
      },
      TOTAL / ingestS,
    );
    record(
      { name: 'ingest: store CPU µs per line (/proc)', better: 'lower', format: (v) => v.toFixed(2) },
      (cpuS * 1e6) / TOTAL,
    );
    record(
      {
        name: 'ingest MB/s (line bytes)',
        better: 'higher',
        format: (v) => v.toFixed(1),
        target: '> 4 (Loki default per-tenant limit)',
        meets: (v) => v > 4,
      },
      w.rawBytes / 1e6 / ingestS,
    );
    const q = (path: string, params: Record<string, string>) => {
      const u = new URL(`${url}/loki/api/v1/${path}`);
      for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
      return fetch(u).then(async (r) => {
        if (r.status !== 200) throw new Error(`${path} ${r.status}: ${await r.text()}`);
        return (await r.json()) as { data: { result: Array<{ values: unknown[] }> } };
      });
    };
    const range = { start: w.start.toString(), end: (w.end + 1n).toString() };
    const hits = (r: { data: { result: Array<{ values: unknown[] }> } }) =>
      r.data.result.reduce((n, s) => n + s.values.length, 0);

    const queries = async (tag: string): Promise<void> => {
      // 2. Selector, newest 100.
      const selQuery = '{app="model-router", level="ERROR"}';
      const sel = await time(5, () => q('query_range', { query: selQuery, limit: '100', ...range }));
      checkHits(`${tag}${selQuery}`, hits(sel.result), driver);
      record(
        {
          name: `${tag}${selQuery} newest 100 (${hits(sel.result)} lines)`,
          better: 'lower',
          format: ms1,
          target: '<= 50 ms',
          meets: (v) => v <= 50,
        },
        sel.ms,
      );

      // 3. |= "needle" over everything, against grep -c over the same lines.
      const needleQuery = '{namespace="prod"} |= "needle"';
      const needle = await time(3, () =>
        q('query_range', { query: needleQuery, limit: '1000000', ...range }),
      );
      checkHits(`${tag}${needleQuery}`, hits(needle.result), driver);
      record(
        {
          name: `${tag}|= "needle" over all lines (${hits(needle.result)} hits)`,
          better: 'lower',
          format: ms0,
          target: `>= 0.2× grep's throughput: <= ${(grepMs / 0.2).toFixed(0)} ms (grep -c: ${grepMs.toFixed(0)} ms)`,
          meets: (v) => v <= grepMs / 0.2,
        },
        needle.ms,
      );

      // 4. The strategy's metric query (docs/architecture.md, 2.3) over one hour, step 1m.
      const metricQuery = 'sum(rate({app="api-service"} | json | unwrap latency_ms [1m])) by (path)';
      const metric = await time(3, () => q('query_range', { query: metricQuery, step: '60', ...range }));
      checkHits(`${tag}${metricQuery}`, metric.result.data.result.length, driver);
      record(
        {
          name: `${tag}${metricQuery}, 1h step 1m (${metric.result.data.result.length} series)`,
          better: 'lower',
          format: ms0,
          target: '<= 2000 ms',
          meets: (v) => v <= 2000,
        },
        metric.ms,
      );

      // 5. One trace_id lookup.
      const trace = await time(5, () => q('query_range', { query: `{trace_id="${w.aTrace}"}`, ...range }));
      checkHits(`${tag}trace`, hits(trace.result), driver);
      record(
        {
          name: `${tag}{trace_id="…"} lookup (${hits(trace.result)} line)`,
          better: 'lower',
          format: ms1,
          target: '<= 20 ms',
          meets: (v) => v <= 20,
        },
        trace.ms,
      );
    };
    const storageBytes = async (): Promise<number> => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return Number(/^opsight_logstore_storage_bytes (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const lineBytes = (w.rawBytes / TOTAL).toFixed(0);

    // 2-5 over entries as rows (the last hour, as just pushed).
    record(
      { name: `database bytes per line in use, rows (line: ${lineBytes})`, better: 'lower', format: int },
      (await storageBytes()) / TOTAL,
    );
    await queries('');

    // 2-5 again once everything behind the (5 min) out-of-order window is sealed into compressed chunks.
    const ts = performance.now();
    const flush = await fetch(`${url}/flush`, { method: 'POST' });
    if (flush.status !== 204) throw new Error(`flush: ${flush.status}`);
    record(
      { name: 'sealing into compressed chunks, lines/s', better: 'higher', format: int },
      TOTAL / ((performance.now() - ts) / 1000),
    );
    record(
      { name: `database bytes per line in use, sealed (line: ${lineBytes})`, better: 'lower', format: int },
      (await storageBytes()) / TOTAL,
    );
    await queries('sealed: ');

    // 6. Memory of the store process.
    record(
      { name: 'store RSS after ingest and queries, MiB', better: 'lower', format: (v) => v.toFixed(0) },
      processRssBytes(child.pid!) / 1024 / 1024,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-logstore-'));
  try {
    process.stdout.write(`generating ${TOTAL.toLocaleString('en')} lines…\n`);
    const w = await generateWorkload(dir);
    const grepTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      execFileSync('grep', ['-c', 'needle', w.rawFile]);
      grepTimes.push(performance.now() - t);
    }
    const grepMs = Math.min(...grepTimes);
    const c = new DriverComparison();
    for (let round = 0; round < ROUNDS; round++) {
      for (const driver of driversInRound(round)) {
        process.stdout.write(`round ${round + 1}/${ROUNDS}: ${driver}…\n`);
        await runOnce(driver, w, join(dir, `data-${round}-${driver.replace(':', '-')}`), grepMs, c);
      }
    }
    process.stdout.write(
      `\nlog store benchmark: ${TOTAL.toLocaleString('en')} lines, ${(w.rawBytes / 1e6).toFixed(0)} MB of lines, ` +
        `Node ${process.versions.node}, best of ${ROUNDS} rounds per driver (alternating order)\n\n`,
    );
    process.stdout.write(`${c.table()}\n`);
  } finally {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

const children: ChildProcess[] = [];

/** Starts the store bin with limits raised for the benchmark; resolves with its URL. */
function startStore(
  bin: string,
  dataDir: string,
  driver: SqliteDriverName,
): Promise<{ child: ChildProcess; url: string }> {
  const limits = [
    'ingestion_rate_mb=1000000',
    'ingestion_burst_size_mb=1000000',
    'max_entries_limit_per_query=1000000',
    // A 5-minute out-of-order window, so that /flush seals all but the last 5 minutes.
    'out_of_order_window_ms=300000',
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
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
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

await main();
