// Side-by-side benchmark of @opsight/telemetry. One command: `npm run bench -w bench/telemetry` after
// `npx tsc -b`. BENCH_SECONDS (default 5) sets the length of each measured run, BENCH_ROUNDS (default 2) how
// many times every variant runs; the machine is shared, so each variant keeps its best round (highest
// req/s, lowest CPU per request, lowest p99). BENCH_VARIANTS (comma-separated names) runs only those HTTP
// variants and bare, and prints their table; BENCH_CPU_PROF=1 writes a CPU profile per server run (see
// http-bench.ts).

import { benchBudgetParts } from './budget-bench.js';
import { benchVariant, type HttpResult, startSink, type Variant } from './http-bench.js';
import { benchLogger } from './logger-bench.js';
import { benchMetrics } from './metrics-bench.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const fixedRate = Number(process.env.BENCH_FIXED_RATE ?? 1000);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const only = process.env.BENCH_VARIANTS?.split(',').map((v) => v.trim());

/** The targets, per sampling ratio: Opsight's full telemetry against bare Fastify and stock OpenTelemetry. */
export const TARGETS = {
  '100%': {
    /** Opsight's CPU overhead over bare, at most this share of stock OpenTelemetry's (traces alone). */
    overheadVsStock: 0.5,
    /** Requests per second, at least this share of bare Fastify's. */
    throughputVsBare: 0.6,
  },
  '10%': { overheadVsStock: 0.5, throughputVsBare: 0.75 },
} as const;

const allVariants: Variant[] = [
  { name: 'bare', server: 'bare' },
  // What any AsyncLocalStorage-based context costs, before spans, metrics or logs.
  { name: 'context only', server: 'als' },
  { name: 'otel-stock 100%', server: 'otel-stock', ratio: 1 },
  { name: 'otel-stock 10%', server: 'otel-stock', ratio: 0.1 },
  { name: 'opsight 100%', server: 'opsight', ratio: 1 },
  { name: 'opsight 10%', server: 'opsight', ratio: 0.1 },
  { name: 'opsight 100% nolog', server: 'opsight', ratio: 1, logLine: false },
  { name: 'opsight 10% nolog', server: 'opsight', ratio: 0.1, logLine: false },
  // Sampled spans never exported: what the OTLP path (queue, encoding, HTTP) costs, by difference.
  { name: 'opsight 100% noexport', server: 'opsight', ratio: 1, exportSpans: false },
  // The same spans encoded and sent by a worker thread instead of batched on the main thread.
  { name: 'opsight 100% worker', server: 'opsight', ratio: 1, exportThread: 'worker' },
  { name: 'opsight 10% worker', server: 'opsight', ratio: 0.1, exportThread: 'worker' },
];
const variants = only ? allVariants.filter((v) => v.name === 'bare' || only.includes(v.name)) : allVariants;

const fmt = (n: number, digits = 2): string => n.toFixed(digits);
const verdict = (ok: boolean): string => (ok ? 'meets target' : 'MISSES target');

/** Best rounds by variant name. */
type Results = Map<string, HttpResult>;

async function httpSideBySide(): Promise<Results> {
  const sink = await startSink();
  const best: Results = new Map();
  for (let round = 1; round <= rounds; round++) {
    for (const variant of variants) {
      const r = await benchVariant(variant, sink, { seconds, fixedRate, connections });
      const previous = best.get(variant.name);
      best.set(variant.name, {
        ...r,
        saturationRps: Math.max(r.saturationRps, previous?.saturationRps ?? 0),
        cpuMicrosPerRequest: Math.min(
          r.cpuMicrosPerRequest,
          previous?.cpuMicrosPerRequest ?? Number.POSITIVE_INFINITY,
        ),
        fixedP50: Math.min(r.fixedP50, previous?.fixedP50 ?? Number.POSITIVE_INFINITY),
        fixedP99: Math.min(r.fixedP99, previous?.fixedP99 ?? Number.POSITIVE_INFINITY),
      });
      console.log(
        `  round ${round} ${variant.name.padEnd(21)} ${fmt(r.saturationRps, 0).padStart(7)} req/s   ${fmt(r.cpuMicrosPerRequest, 1).padStart(5)} µs CPU/req   p50 ${fmt(r.fixedP50)} ms p99 ${fmt(r.fixedP99)} ms at ${fixedRate} req/s   errors ${r.errors}   OTLP requests ${r.spansReceived}`,
      );
    }
  }
  sink.server.close();
  return best;
}

/** The table of every variant run, best rounds: req/s and CPU per request, each beside bare. */
function printTable(best: Results): void {
  const bare = best.get('bare')!;
  console.log(
    `\nBest rounds (bare Fastify ${fmt(bare.saturationRps, 0)} req/s, ${fmt(bare.cpuMicrosPerRequest, 1)} µs CPU per request):`,
  );
  console.log(
    `  ${'variant'.padEnd(21)} ${'req/s'.padStart(7)} ${'× bare'.padStart(7)} ${'µs CPU/req'.padStart(11)} ${'over bare'.padStart(10)} ${'p99 added'.padStart(10)}`,
  );
  for (const v of variants) {
    const r = best.get(v.name)!;
    console.log(
      `  ${v.name.padEnd(21)} ${fmt(r.saturationRps, 0).padStart(7)} ${fmt(r.saturationRps / bare.saturationRps).padStart(7)} ${fmt(r.cpuMicrosPerRequest, 1).padStart(11)} ${fmt(r.cpuMicrosPerRequest - bare.cpuMicrosPerRequest, 1).padStart(10)} ${`${fmt(r.fixedP99 - bare.fixedP99)} ms`.padStart(10)}`,
    );
  }
}

/** Opsight with its log line against the targets, by CPU overhead and by throughput. */
function printTargets(best: Results): void {
  const bare = best.get('bare')!;
  console.log('\nTargets (Opsight: span, both http_server_* metrics, one log line per request):');
  for (const label of ['100%', '10%'] as const) {
    const opsight = best.get(`opsight ${label}`);
    const stock = best.get(`otel-stock ${label}`);
    if (!opsight) continue;
    const target = TARGETS[label];
    const overhead = opsight.cpuMicrosPerRequest - bare.cpuMicrosPerRequest;
    if (stock) {
      const stockOverhead = stock.cpuMicrosPerRequest - bare.cpuMicrosPerRequest;
      const share = overhead / stockOverhead;
      console.log(
        `  ${label.padEnd(4)} CPU overhead ${fmt(overhead, 1)} µs vs stock OpenTelemetry's ${fmt(stockOverhead, 1)} µs: ${fmt(share)}×, target ≤ ${fmt(target.overheadVsStock)}×   ${verdict(share <= target.overheadVsStock)}`,
      );
    }
    const rps = opsight.saturationRps / bare.saturationRps;
    const byCpu = bare.cpuMicrosPerRequest / opsight.cpuMicrosPerRequest;
    console.log(
      `  ${label.padEnd(4)} req/s ${fmt(rps)} of bare, target ≥ ${fmt(target.throughputVsBare)}   ${verdict(rps >= target.throughputVsBare)}   (from CPU per request: ${fmt(byCpu)}, ${verdict(byCpu >= target.throughputVsBare)})`,
    );
  }
}

async function loggerSideBySide(): Promise<number> {
  const logger = await benchLogger(200_000, 3);
  const vsBare = logger.opsightLinesPerSec / logger.barePinoLinesPerSec;
  const vsSameLine = logger.opsightLinesPerSec / logger.sameLinePinoLinesPerSec;
  console.log('\nLogger, same event to the same async /dev/null destination:');
  console.log(`  bare pino, defaults           ${fmt(logger.barePinoLinesPerSec, 0)} lines/s`);
  console.log(`  bare pino, same line written  ${fmt(logger.sameLinePinoLinesPerSec, 0)} lines/s`);
  console.log(`  opsight logger                ${fmt(logger.opsightLinesPerSec, 0)} lines/s`);
  console.log(`    vs pino same line  ${fmt(vsSameLine)}   target ≥ 1.00   ${verdict(vsSameLine >= 1)}`);
  console.log(`    vs pino defaults   ${fmt(vsBare)}   (shorter line: no trace ids, epoch time)`);
  return 1e6 / logger.opsightLinesPerSec;
}

/**
 * The per-request breakdown beside the targets: what each target leaves per request over bare (the
 * throughput target: bare CPU µs × (1 / target − 1); the overhead target: its share of stock
 * OpenTelemetry's overhead) beside what the parts every instrumented request needs cost on this runtime,
 * each measured alone: the context (HTTP "context only" minus bare), one log line (the logger benchmark), a
 * server span, its OTLP encoding, the metrics.
 */
function budget(best: Results, logLineMicros: number): void {
  const bare = best.get('bare')!.cpuMicrosPerRequest;
  const contextOnly = best.get('context only')?.cpuMicrosPerRequest;
  const parts = benchBudgetParts();
  const contextMicros = contextOnly === undefined ? 0 : Math.max(0, contextOnly - bare);
  console.log(`\nPer-request breakdown (CPU µs; bare Fastify ${fmt(bare, 1)} µs per request):`);
  console.log(
    `  parts alone: context ${fmt(contextMicros)}, log line ${fmt(logLineMicros)}, span sampled ${fmt(parts.spanSampled)} / unsampled ${fmt(parts.spanUnsampled)}, OTLP encode ${fmt(parts.otlpEncodePerSpan)} per span, metrics ${fmt(parts.metrics)}`,
  );
  for (const [label, ratio] of [
    ['100%', 1],
    ['10%', 0.1],
  ] as const) {
    const target = TARGETS[label];
    const byThroughput = bare * (1 / target.throughputVsBare - 1);
    const stock = best.get(`otel-stock ${label}`);
    const byStock = stock ? (stock.cpuMicrosPerRequest - bare) * target.overheadVsStock : undefined;
    const opsight = best.get(`opsight ${label}`);
    const span = ratio * parts.spanSampled + (1 - ratio) * parts.spanUnsampled;
    const parted = contextMicros + logLineMicros + span + ratio * parts.otlpEncodePerSpan + parts.metrics;
    console.log(
      `  ${label.padEnd(5)} allowed: ${fmt(byThroughput)} µs (req/s ≥ ${fmt(target.throughputVsBare)} of bare)${byStock === undefined ? '' : `, ${fmt(byStock)} µs (≤ ${fmt(target.overheadVsStock)}× stock's overhead)`}; the parts alone ${fmt(parted)} µs${opsight ? `; measured ${fmt(opsight.cpuMicrosPerRequest - bare)} µs, so ${fmt(opsight.cpuMicrosPerRequest - bare - parted)} µs beyond the parts` : ''}`,
    );
  }
}

async function metricsSideBySide(): Promise<void> {
  const m = await benchMetrics(10_000, 20);
  console.log(`\n/metrics render, ${m.series} series (no target; side by side):`);
  console.log(`  bare prom-client (text)      ${fmt(m.barePromClientMs)} ms`);
  console.log(
    `  opsight (Prometheus text)    ${fmt(m.opsightTextMs)} ms   ratio ${fmt(m.opsightTextMs / m.barePromClientMs)}`,
  );
  console.log(
    `  opsight (OpenMetrics)        ${fmt(m.opsightOpenMetricsMs)} ms   ratio ${fmt(m.opsightOpenMetricsMs / m.barePromClientMs)}`,
  );
}

async function main(): Promise<void> {
  console.log(
    `bench/telemetry: ${rounds} rounds × ${seconds} s per run, ${connections} connections at saturation, fixed rate ${fixedRate} req/s`,
  );
  const best = await httpSideBySide();
  printTable(best);
  printTargets(best);
  if (only) return;
  const logLineMicros = await loggerSideBySide();
  budget(best, logLineMicros);
  await metricsSideBySide();
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
