import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export interface Variant {
  name: string;
  server: 'bare' | 'als' | 'otel-stock' | 'opsight';
  ratio?: number;
  /** Opsight variants: write one log line per request. @default true */
  logLine?: boolean;
  /** Export spans over OTLP (`false`: sampled and ended, never exported; to see what export costs). @default true */
  exportSpans?: boolean;
  /** Opsight variants: where spans are encoded and sent. @default 'main' */
  exportThread?: 'main' | 'worker';
}

export interface HttpResult {
  variant: string;
  saturationRps: number;
  /** Server CPU time (all threads) per request at saturation, microseconds: robust to a busy machine. */
  cpuMicrosPerRequest: number;
  fixedP50: number;
  fixedP99: number;
  errors: number;
  spansReceived: number;
}

const serverScript = fileURLToPath(new URL('./server.js', import.meta.url));

/**
 * Where variant servers write V8 CPU profiles (`--cpu-prof`), when BENCH_CPU_PROF is set: a folder, or `1`
 * for bench/results/cpu-prof (git-ignored). Read them with `node dist/src/profile-summary.js <files>`.
 */
export function cpuProfileDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env.BENCH_CPU_PROF;
  if (value === undefined || value === '' || value === '0') return undefined;
  if (value !== '1') return resolve(value);
  return fileURLToPath(new URL('../../../results/cpu-prof', import.meta.url));
}

/** CPU seconds (user + system, all threads) a process has used, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A local OTLP/HTTP sink: accepts every export with 200 and counts request bytes. */
export async function startSink(): Promise<{ server: Server; url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    requests: () => requests,
  };
}

async function startServer(variant: Variant, sinkUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: sinkUrl,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_TRACES_EXPORTER: variant.exportSpans === false ? 'none' : 'otlp',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: String(variant.ratio ?? 1),
    BENCH_LOG: variant.logLine === false ? '0' : '1',
    BENCH_EXPORT_THREAD: variant.exportThread ?? 'main',
  };
  const profileDir = cpuProfileDir();
  const execArgv = profileDir
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${profileDir}`,
        `--cpu-prof-name=${variant.name.replace(/[^A-Za-z0-9]+/g, '-')}-${Date.now()}.cpuprofile`,
      ]
    : [];
  const child = fork(serverScript, [variant.server], {
    env,
    execArgv,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`${variant.name} server exited with ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${port}/v1/chat` };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Saturation req/s and fixed-rate latency of one variant, in its own server process. */
export async function benchVariant(
  variant: Variant,
  sink: { url: string; requests: () => number },
  options: { seconds: number; fixedRate: number; connections: number },
): Promise<HttpResult> {
  const before = sink.requests();
  const { child, url } = await startServer(variant, sink.url);
  try {
    await autocannon({ url, connections: options.connections, duration: 1 }); // warm-up
    const cpuBefore = cpuSeconds(child.pid!);
    const saturation = await autocannon({ url, connections: options.connections, duration: options.seconds });
    const cpuUsed = cpuSeconds(child.pid!) - cpuBefore;
    const fixed = await autocannon({
      url,
      connections: 10,
      duration: options.seconds,
      overallRate: options.fixedRate,
    });
    return {
      variant: variant.name,
      saturationRps: saturation.requests.average,
      cpuMicrosPerRequest: (cpuUsed * 1e6) / Math.max(1, saturation.requests.total),
      fixedP50: fixed.latency.p50,
      fixedP99: fixed.latency.p99,
      errors: saturation.errors + saturation.non2xx + fixed.errors + fixed.non2xx,
      spansReceived: sink.requests() - before,
    };
  } finally {
    await stop(child);
  }
}
