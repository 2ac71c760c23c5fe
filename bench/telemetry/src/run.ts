// Side-by-side benchmark of @opsight/telemetry (issue 3). One command: `npm run bench -w bench/telemetry`
// after `npx tsc -b`. BENCH_SECONDS (default 5) sets the length of each measured run.
import { benchVariant, type HttpResult, startSink, type Variant } from './http-bench.js';
import { benchLogger } from './logger-bench.js';
import { benchMetrics } from './metrics-bench.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const fixedRate = Number(process.env.BENCH_FIXED_RATE ?? 1000);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);

const variants: Variant[] = [
  { name: 'bare', server: 'bare' },
  { name: 'otel-stock 100%', server: 'otel-stock', ratio: 1 },
  { name: 'otel-stock 10%', server: 'otel-stock', ratio: 0.1 },
  { name: 'opsight 100%', server: 'opsight', ratio: 1 },
  { name: 'opsight 10%', server: 'opsight', ratio: 0.1 },
  { name: 'opsight 100% nolog', server: 'opsight', ratio: 1, logLine: false },
  { name: 'opsight 10% nolog', server: 'opsight', ratio: 0.1, logLine: false },
];

const fmt = (n: number, digits = 2): string => n.toFixed(digits);
const verdict = (ok: boolean): string => (ok ? 'meets target' : 'MISSES target');

async function main(): Promise<void> {
  console.log(
    `bench/telemetry: ${seconds} s per run, fixed rate ${fixedRate} req/s, ${connections} connections at saturation`,
  );
  const sink = await startSink();
  const results: HttpResult[] = [];
  for (const variant of variants) {
    const result = await benchVariant(variant, sink, { seconds, fixedRate, connections });
    results.push(result);
    console.log(
      `  ${variant.name.padEnd(16)} saturation ${fmt(result.saturationRps, 0).padStart(7)} req/s   fixed-rate p50 ${fmt(result.fixedP50)} ms p99 ${fmt(result.fixedP99)} ms   errors ${result.errors}   OTLP requests ${result.spansReceived}`,
    );
  }
  sink.server.close();

  const by = (name: string): HttpResult => results.find((r) => r.variant === name)!;
  const bare = by('bare');
  const ratio = (name: string): number => by(name).saturationRps / bare.saturationRps;
  const added = (name: string): number => by(name).fixedP99 - bare.fixedP99;
  console.log('\nHTTP server (ratios to bare Fastify, saturation req/s):');
  console.log(
    `  otel-stock 100%  ${fmt(ratio('otel-stock 100%'))}   (anchor; measured before this issue ≈ 0.35)`,
  );
  console.log(
    `  otel-stock 10%   ${fmt(ratio('otel-stock 10%'))}   (anchor; measured before this issue ≈ 0.45)`,
  );
  console.log(
    `  opsight 100%     ${fmt(ratio('opsight 100%'))}   target ≥ 0.70   ${verdict(ratio('opsight 100%') >= 0.7)}`,
  );
  console.log(
    `  opsight 10%      ${fmt(ratio('opsight 10%'))}   target ≥ 0.85   ${verdict(ratio('opsight 10%') >= 0.85)}`,
  );
  console.log(
    `  opsight 100% / otel-stock 100%  ${fmt(ratio('opsight 100%') / ratio('otel-stock 100%'))}×   target ≥ 2×   ${verdict(ratio('opsight 100%') / ratio('otel-stock 100%') >= 2)}`,
  );
  console.log(
    '  without the per-request log line (spans + metrics + context only; the stock anchor logs nothing):',
  );
  console.log(
    `  opsight 100% nolog  ${fmt(ratio('opsight 100% nolog'))}   target ≥ 0.70   ${verdict(ratio('opsight 100% nolog') >= 0.7)}`,
  );
  console.log(
    `  opsight 10% nolog   ${fmt(ratio('opsight 10% nolog'))}   target ≥ 0.85   ${verdict(ratio('opsight 10% nolog') >= 0.85)}`,
  );
  console.log(`\nAdded p99 at ${fixedRate} req/s (vs bare p99 ${fmt(bare.fixedP99)} ms), target ≤ 1 ms:`);
  for (const name of ['otel-stock 100%', 'opsight 100%', 'opsight 10%', 'opsight 100% nolog']) {
    console.log(
      `  ${name.padEnd(16)} ${fmt(added(name))} ms   ${name.startsWith('opsight') ? verdict(added(name) <= 1) : '(anchor)'}`,
    );
  }

  const logger = await benchLogger(200_000, 3);
  const vsBare = logger.opsightLinesPerSec / logger.barePinoLinesPerSec;
  const vsSameLine = logger.opsightLinesPerSec / logger.sameLinePinoLinesPerSec;
  console.log('\nLogger (same event, same async /dev/null destination), target ≥ 0.80 of bare pino:');
  console.log(`  bare pino, defaults           ${fmt(logger.barePinoLinesPerSec, 0)} lines/s`);
  console.log(`  bare pino, same line written  ${fmt(logger.sameLinePinoLinesPerSec, 0)} lines/s`);
  console.log(`  opsight logger                ${fmt(logger.opsightLinesPerSec, 0)} lines/s`);
  console.log(
    `    vs pino defaults   ${fmt(vsBare)}   ${verdict(vsBare >= 0.8)} (pino's default line is shorter: no trace ids, epoch time)`,
  );
  console.log(`    vs pino same line  ${fmt(vsSameLine)}   ${verdict(vsSameLine >= 0.8)}`);

  const metrics = await benchMetrics(10_000, 20);
  console.log(`\n/metrics render, ${metrics.series} series (no target; side by side):`);
  console.log(`  bare prom-client (text)      ${fmt(metrics.barePromClientMs)} ms`);
  console.log(
    `  opsight (Prometheus text)    ${fmt(metrics.opsightTextMs)} ms   ratio ${fmt(metrics.opsightTextMs / metrics.barePromClientMs)}`,
  );
  console.log(
    `  opsight (OpenMetrics)        ${fmt(metrics.opsightOpenMetricsMs)} ms   ratio ${fmt(metrics.opsightOpenMetricsMs / metrics.barePromClientMs)}`,
  );
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
