// Side-by-side benchmark of @opsight/telemetry (issue 3). One command: `npm run bench -w bench/telemetry`
// after `npx tsc -b`. BENCH_SECONDS (default 5) sets the length of each measured run, BENCH_ROUNDS
// (default 2) how many times every variant runs; the machine is shared, so each variant keeps its best
// round (highest req/s, lowest p99).

import { benchBudgetParts } from './budget-bench.js';
import { benchVariant, type HttpResult, startSink, type Variant } from './http-bench.js';
import { benchLogger } from './logger-bench.js';
import { benchMetrics } from './metrics-bench.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const fixedRate = Number(process.env.BENCH_FIXED_RATE ?? 1000);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);

const variants: Variant[] = [
  { name: 'bare', server: 'bare' },
  // What any AsyncLocalStorage-based context costs on Node 20, before spans, metrics or logs.
  { name: 'context only', server: 'als' },
  { name: 'otel-stock 100%', server: 'otel-stock', ratio: 1 },
  { name: 'otel-stock 10%', server: 'otel-stock', ratio: 0.1 },
  { name: 'opsight 100%', server: 'opsight', ratio: 1 },
  { name: 'opsight 10%', server: 'opsight', ratio: 0.1 },
  { name: 'opsight 100% nolog', server: 'opsight', ratio: 1, logLine: false },
  { name: 'opsight 10% nolog', server: 'opsight', ratio: 0.1, logLine: false },
];

const fmt = (n: number, digits = 2): string => n.toFixed(digits);
const verdict = (ok: boolean): string => (ok ? 'meets target' : 'MISSES target');

async function httpSideBySide(): Promise<{ bare: number; contextOnly: number }> {
  const sink = await startSink();
  const best = new Map<string, HttpResult>();
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
        `  round ${round} ${variant.name.padEnd(18)} ${fmt(r.saturationRps, 0).padStart(7)} req/s   ${fmt(r.cpuMicrosPerRequest, 1).padStart(5)} µs CPU/req   p50 ${fmt(r.fixedP50)} ms p99 ${fmt(r.fixedP99)} ms at ${fixedRate} req/s   errors ${r.errors}   OTLP requests ${r.spansReceived}`,
      );
    }
  }
  sink.server.close();

  const by = (name: string): HttpResult => best.get(name)!;
  const bare = by('bare');
  const ratio = (name: string): number => by(name).saturationRps / bare.saturationRps;
  const added = (name: string): number => by(name).fixedP99 - bare.fixedP99;
  const line = (name: string, note: string): void =>
    console.log(`  ${name.padEnd(18)} ${fmt(ratio(name))}   ${note}`);

  console.log(`\nSaturation, ratio to bare Fastify (${fmt(bare.saturationRps, 0)} req/s), best rounds:`);
  line('context only', '(each request inside an AsyncLocalStorage context, nothing else)');
  line('otel-stock 100%', '(anchor; measured before this issue ≈ 0.35)');
  line('otel-stock 10%', '(anchor; measured before this issue ≈ 0.45)');
  line('opsight 100%', `target ≥ 0.70   ${verdict(ratio('opsight 100%') >= 0.7)}`);
  line('opsight 10%', `target ≥ 0.85   ${verdict(ratio('opsight 10%') >= 0.85)}`);
  console.log('  without the per-request log line (spans, metrics and context only, like the anchor):');
  line('opsight 100% nolog', `target ≥ 0.70   ${verdict(ratio('opsight 100% nolog') >= 0.7)}`);
  line('opsight 10% nolog', `target ≥ 0.85   ${verdict(ratio('opsight 10% nolog') >= 0.85)}`);
  const cpuRatio = (name: string): number => bare.cpuMicrosPerRequest / by(name).cpuMicrosPerRequest;
  console.log(
    `\nSame, from server CPU time per request (bare ${fmt(bare.cpuMicrosPerRequest, 1)} µs; what req/s would be on a core of its own):`,
  );
  for (const v of variants.slice(1)) {
    const target = v.name.includes('100%') ? 0.7 : 0.85;
    const note =
      v.server === 'opsight'
        ? `target ≥ ${fmt(target)}   ${verdict(cpuRatio(v.name) >= target)}`
        : '(anchor)';
    console.log(
      `  ${v.name.padEnd(18)} ${fmt(cpuRatio(v.name))}   ${fmt(by(v.name).cpuMicrosPerRequest, 1)} µs/req   ${note}`,
    );
  }
  console.log(
    `  opsight / otel-stock by CPU: at 100% ${fmt(cpuRatio('opsight 100%') / cpuRatio('otel-stock 100%'))}×, at 10% ${fmt(cpuRatio('opsight 10%') / cpuRatio('otel-stock 10%'))}×, target ≥ 2×`,
  );
  const vsStock = ratio('opsight 100%') / ratio('otel-stock 100%');
  const vsStock10 = ratio('opsight 10%') / ratio('otel-stock 10%');
  console.log(
    `  opsight / otel-stock at 100%: ${fmt(vsStock)}×, at 10%: ${fmt(vsStock10)}×   target ≥ 2×   ${verdict(vsStock >= 2 && vsStock10 >= 2)}`,
  );

  console.log(
    `\nAdded p99 at ${fixedRate} req/s (bare p99 ${fmt(bare.fixedP99)} ms; autocannon resolves 1 ms), target ≤ 1 ms:`,
  );
  for (const v of variants.slice(1)) {
    const note = v.server === 'opsight' ? verdict(added(v.name) <= 1) : '(anchor)';
    console.log(`  ${v.name.padEnd(18)} ${fmt(added(v.name))} ms   ${note}`);
  }
  return { bare: bare.cpuMicrosPerRequest, contextOnly: by('context only').cpuMicrosPerRequest };
}

async function loggerSideBySide(): Promise<number> {
  const logger = await benchLogger(200_000, 3);
  const vsBare = logger.opsightLinesPerSec / logger.barePinoLinesPerSec;
  const vsSameLine = logger.opsightLinesPerSec / logger.sameLinePinoLinesPerSec;
  console.log('\nLogger, same event to the same async /dev/null destination, target ≥ 0.80 of bare pino:');
  console.log(`  bare pino, defaults           ${fmt(logger.barePinoLinesPerSec, 0)} lines/s`);
  console.log(`  bare pino, same line written  ${fmt(logger.sameLinePinoLinesPerSec, 0)} lines/s`);
  console.log(`  opsight logger                ${fmt(logger.opsightLinesPerSec, 0)} lines/s`);
  console.log(`    vs pino same line  ${fmt(vsSameLine)}   ${verdict(vsSameLine >= 0.8)}`);
  console.log(
    `    vs pino defaults   ${fmt(vsBare)}   ${verdict(vsBare >= 0.8)} (shorter line: no trace ids, epoch time)`,
  );
  return 1e6 / logger.opsightLinesPerSec;
}

/**
 * What a target leaves per request (bare CPU µs × (1 / target − 1)) beside what the parts that every
 * instrumented request needs cost on this runtime, each measured alone: the context (HTTP "context only"
 * minus bare), one log line (the logger benchmark), a server span, its OTLP encoding, the metrics.
 */
function budget(http: { bare: number; contextOnly: number }, logLineMicros: number): void {
  const parts = benchBudgetParts();
  const contextMicros = Math.max(0, http.contextOnly - http.bare);
  const at = (ratio: number) => ({
    span: ratio * parts.spanSampled + (1 - ratio) * parts.spanUnsampled,
    encode: ratio * parts.otlpEncodePerSpan,
  });
  console.log(
    `\nPer-request budget against the parts (CPU µs; bare Fastify ${fmt(http.bare, 1)} µs per request):`,
  );
  console.log(
    `  parts: context ${fmt(contextMicros)}, log line ${fmt(logLineMicros)}, span sampled ${fmt(parts.spanSampled)} / unsampled ${fmt(parts.spanUnsampled)}, OTLP encode ${fmt(parts.otlpEncodePerSpan)} per span, metrics ${fmt(parts.metrics)}`,
  );
  for (const [label, ratio, target] of [
    ['100%', 1, 0.7],
    ['10%', 0.1, 0.85],
  ] as const) {
    const allowed = http.bare * (1 / target - 1);
    const p = at(ratio);
    const floor = contextMicros + logLineMicros + p.span + p.encode + parts.metrics;
    const best = http.bare / (http.bare + floor);
    console.log(
      `  ${label.padEnd(5)} target ≥ ${fmt(target)} allows ${fmt(allowed)} µs; the parts alone need ${fmt(floor)} µs (without the log line ${fmt(floor - logLineMicros)}), so the best ratio reachable is ${fmt(best)}`,
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
  const http = await httpSideBySide();
  const logLineMicros = await loggerSideBySide();
  budget(http, logLineMicros);
  await metricsSideBySide();
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
