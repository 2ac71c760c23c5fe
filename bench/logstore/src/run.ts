// Log store benchmark (one run, side by side, targets printed beside each figure):
//   npm run bench -w bench/logstore            1,000,000 lines
//   npm run bench -w bench/logstore -- 200000  another size
// Starts the store's bin as its own process (as the supervisor runs it), generates realistic JSON
// lines shaped like the services' logs over one hour, pushes them in batches (snappy protobuf, as
// Alloy sends them; two pushes in flight, as from two collectors), then times the queries.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encodePushProtobuf, formatLabels } from '@opsight/logstore';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
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

const rows: Array<[string, string, string, string]> = [];
const row = (what: string, measured: string, target: string, ok: boolean | undefined) =>
  rows.push([what, measured, target, ok === undefined ? '' : ok ? 'meets' : 'MISSES']);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-logstore-'));
  try {
    const bin = join(
      dirname(createRequire(import.meta.url).resolve('@opsight/logstore')),
      'bin',
      'logstore.js',
    );
    const { child, url } = await startStore(bin, join(dir, 'data'));
    const end = BigInt(Date.now()) * 1_000_000n;
    const start = end - HOUR_NS;
    const stepNs = HOUR_NS / BigInt(TOTAL);

    // Generate and pre-encode the batches (not timed), and write the same lines to a file for grep.
    process.stdout.write(`generating ${TOTAL.toLocaleString()} lines…\n`);
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
    await new Promise<void>((r) => out.end(r));

    // 1. Ingest: two pushes in flight, batches in time order.
    const t0 = performance.now();
    let next = 0;
    const pusher = async (): Promise<void> => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const r = await fetch(`${url}/loki/api/v1/push`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body,
        });
        if (r.status !== 204) throw new Error(`push failed: ${r.status} ${await r.text()}`);
      }
    };
    await Promise.all([pusher(), pusher()]);
    const ingestS = (performance.now() - t0) / 1000;
    bodies.length = 0;
    (globalThis as { gc?: () => void }).gc?.();
    const linesPerS = TOTAL / ingestS;
    const mbPerS = rawBytes / 1e6 / ingestS;
    row('ingest lines/s', Math.round(linesPerS).toLocaleString(), '>= 100,000', linesPerS >= 100_000);
    row('ingest MB/s (line bytes)', mbPerS.toFixed(1), '> 4 (Loki default per-tenant limit)', mbPerS > 4);
    const q = (path: string, params: Record<string, string>) => {
      const u = new URL(`${url}/loki/api/v1/${path}`);
      for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
      return fetch(u).then(async (r) => {
        if (r.status !== 200) throw new Error(`${path} ${r.status}: ${await r.text()}`);
        return (await r.json()) as { data: { result: Array<{ values: unknown[] }> } };
      });
    };
    const range = { start: start.toString(), end: (end + 1n).toString() };

    const queries = async (tag: string): Promise<void> => {
      // 2. Selector, newest 100.
      const sel = await time(5, () =>
        q('query_range', { query: '{app="model-router", level="ERROR"}', limit: '100', ...range }),
      );
      const selN = sel.result.data.result.reduce((n, s) => n + s.values.length, 0);
      row(
        `${tag}{app="model-router", level="ERROR"} newest 100 (got ${selN})`,
        `${sel.ms.toFixed(1)} ms`,
        '<= 50 ms',
        sel.ms <= 50,
      );

      // 3. |= "needle" over everything vs grep -c.
      const needle = await time(3, () =>
        q('query_range', { query: '{namespace="prod"} |= "needle"', limit: '1000000', ...range }),
      );
      const needleN = needle.result.data.result.reduce((n, s) => n + s.values.length, 0);
      const grepTimes: number[] = [];
      let grepN = 0;
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        grepN = Number(execFileSync('grep', ['-c', 'needle', rawFile]).toString().trim());
        grepTimes.push(performance.now() - t);
      }
      const grepMs = median(grepTimes);
      const ours = rawBytes / needle.ms;
      const grepTp = rawBytes / grepMs;
      row(
        `${tag}|= "needle" over all lines (${needleN} hits; grep -c: ${grepN})`,
        `${needle.ms.toFixed(0)} ms vs grep ${grepMs.toFixed(0)} ms → ${(ours / grepTp).toFixed(2)}× grep's throughput`,
        '>= 0.2× grep',
        ours / grepTp >= 0.2,
      );

      // 4. The strategy's metric query over one hour, step 1m.
      const metric = await time(3, () =>
        q('query_range', {
          query: 'sum(rate({app="api-service"} | json | unwrap latency_ms [1m])) by (path)',
          step: '60',
          ...range,
        }),
      );
      row(
        `${tag}sum(rate({app="api-service"} | json | unwrap latency_ms [1m])) by (path), 1h step 1m (${metric.result.data.result.length} series)`,
        `${metric.ms.toFixed(0)} ms`,
        '<= 2000 ms',
        metric.ms <= 2000,
      );

      // 5. One trace_id lookup.
      const trace = await time(5, () => q('query_range', { query: `{trace_id="${aTrace}"}`, ...range }));
      const traceN = trace.result.data.result.reduce((n, s) => n + s.values.length, 0);
      row(
        `${tag}{trace_id="…"} lookup (${traceN} line)`,
        `${trace.ms.toFixed(1)} ms`,
        '<= 20 ms',
        trace.ms <= 20,
      );
    };
    const storageBytes = async (): Promise<number> => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return Number(/^opsight_logstore_storage_bytes (\d+)/m.exec(text)?.[1] ?? 0);
    };

    // 2-5 over entries as rows (the last hour, as just pushed).
    row(
      'database bytes per line in use, rows (line bytes/line)',
      `${((await storageBytes()) / TOTAL).toFixed(0)} (${(rawBytes / TOTAL).toFixed(0)})`,
      '',
      undefined,
    );
    await queries('');

    // 2-5 again once everything behind the (5 min) out-of-order window is sealed into compressed chunks.
    const ts = performance.now();
    const flush = await fetch(`${url}/flush`, { method: 'POST' });
    if (flush.status !== 204) throw new Error(`flush: ${flush.status}`);
    const sealS = (performance.now() - ts) / 1000;
    row(
      'sealing into compressed chunks',
      `${Math.round(TOTAL / sealS).toLocaleString()} lines/s`,
      '',
      undefined,
    );
    row(
      'database bytes per line in use, sealed (line bytes/line)',
      `${((await storageBytes()) / TOTAL).toFixed(0)} (${(rawBytes / TOTAL).toFixed(0)})`,
      '',
      undefined,
    );
    await queries('sealed: ');

    // 6. Memory of the store process.
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
    row(
      'store RSS after ingest and queries',
      rss ? `${(Number(rss) / 1024).toFixed(0)} MiB` : 'n/a',
      '',
      undefined,
    );
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    const w = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), 6));
    process.stdout.write(
      `\nlog store benchmark: ${TOTAL.toLocaleString()} lines, ${(rawBytes / 1e6).toFixed(0)} MB of lines\n`,
    );
    process.stdout.write(
      `${['measure', 'measured', 'target', ''].map((h, i) => h.padEnd(w[i]!)).join('  ')}\n`,
    );
    for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(w[i]!)).join('  ')}\n`);
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

const children: ChildProcess[] = [];

/** Starts the store bin with limits raised for the benchmark; resolves with its URL. */
function startStore(bin: string, dataDir: string): Promise<{ child: ChildProcess; url: string }> {
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
