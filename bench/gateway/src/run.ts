// Gateway benchmark: what the platform path adds to a zero-latency model, and what each hop costs.
//
//   direct: client → model-serving
//   full:   client → nginx gateway → api-service → (gRPC) model-router → model-serving
//
// Against the running local stack (`npm run up`), non-stream, one model with the `instant` latency profile.
// Phase 1: a fixed rate (100 req/s) on each path, `--runs` runs alternating which path goes first → added
// p50 and p99 per run, and in how many runs both held. Phase 2: saturation with a fixed number of
// connections → throughput ratio full/direct, and the CPU per request of every component of the stack,
// read from /proc before and after each path's run.
//
//   npm run bench -w bench/gateway -- [--model NAME] [--rate 100] [--seconds 5] [--runs 5]
//     [--saturation-seconds 10] [--idle-seconds 5] [--connections 32] [--split] [--var-dir var]
//     [--gateway URL] [--api URL] [--direct URL] [--key-file var/secrets/loadgen-api-key]
// The URLs default to the ports the stack's supervisor reports. The key comes from OPSIGHT_API_KEY or
// --key-file; its rate limit must allow the fixed rate (429s are counted and reported, and excluded from the
// latencies).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { atFixedRate, atSaturation, quantile, type Target } from './load.js';
import { cpuPer, restarted, runLockFile, runningStack, snapshot } from './stack-cpu.js';
import { TARGETS } from './targets.js';

const root = new URL('../../../..', import.meta.url).pathname;

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '5' },
    runs: { type: 'string', default: '5' },
    'saturation-seconds': { type: 'string', default: '10' },
    'idle-seconds': { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    split: { type: 'boolean', default: false },
    'var-dir': { type: 'string', default: resolve(root, process.env.OPSIGHT_VAR_DIR ?? 'var') },
    gateway: { type: 'string' },
    direct: { type: 'string' },
    api: { type: 'string' },
    'key-file': { type: 'string' },
  },
});
const rate = Number(values.rate);
const durationMs = Number(values.seconds) * 1000;
const runs = Number(values.runs);
const saturationMs = Number(values['saturation-seconds']) * 1000;
const connections = Number(values.connections);
const idleMs = Number(values['idle-seconds']) * 1000;
const varDir = values['var-dir'];
const keyFile = values['key-file'] ?? join(varDir, 'secrets/loadgen-api-key');

function apiKey(): string {
  if (process.env.OPSIGHT_API_KEY) return process.env.OPSIGHT_API_KEY;
  try {
    return readFileSync(keyFile, 'utf8').split('\n')[0]!.trim();
  } catch {
    throw new Error(
      `no API key: set OPSIGHT_API_KEY or create ${keyFile} (opsight up prints the default key)`,
    );
  }
}

/** The model to use: --model, else the first one model-serving lists whose name says it is instant. */
async function pickModel(directUrl: string): Promise<string> {
  if (values.model) return values.model;
  const res = await fetch(`${directUrl}/v1/models`);
  const body = (await res.json()) as { data: { id: string }[] };
  const ids = body.data.map((m) => m.id);
  const instant = ids.find((id) => /instant|zero/.test(id));
  if (!instant)
    throw new Error(`no instant model among ${ids.join(', ')}: pass --model NAME (an "instant" profile)`);
  return instant;
}

const ms = (n: number) => `${n.toFixed(2)} ms`;
const pad = (s: string, n: number) => s.padStart(n);

async function main(): Promise<void> {
  const stack = await runningStack(varDir);
  const port = (component: string, name: string) => {
    const p = stack.ports.get(component)?.get(name);
    if (p === undefined) throw new Error(`the stack reports no ${name} port for ${component}`);
    return `http://127.0.0.1:${p}`;
  };
  const gatewayUrl = values.gateway ?? port('gateway', 'http');
  const apiUrl = values.api ?? port('api-service', 'http');
  const directUrl = values.direct ?? port('model-serving-0', 'http');
  const key = apiKey();
  const model = await pickModel(directUrl);
  const body = JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'Say hello.' }],
    max_tokens: 16,
    // Not 0: identical temperature-0 requests would be answered from the API's response cache.
    temperature: 0.5,
  });
  const json = { 'content-type': 'application/json' };
  const direct: Target = { name: 'direct', url: `${directUrl}/v1/chat/completions`, headers: json, body };
  const full: Target = {
    name: 'full path',
    url: `${gatewayUrl}/v1/chat/completions`,
    headers: { ...json, authorization: `Bearer ${key}` },
    body,
  };
  // The same request to api-service without nginx: splits the added time between the gateway and the rest.
  const api: Target = { ...full, name: 'no nginx', url: `${apiUrl}/v1/chat/completions` };
  const paths = values.split ? [direct, api, full] : [direct, full];
  console.log(
    `gateway benchmark: model ${model}, ${runs} runs of ${rate} req/s for ${durationMs / 1000} s per path, ` +
      `then ${connections} connections for ${saturationMs / 1000} s per path (stack of supervisor pid ${stack.record.pid})`,
  );
  // Warm-up: connections, JIT, the API key's cache entry.
  for (const t of paths) await atFixedRate(t, 50, 2000);

  // Phase 1: each run has every path once, in rotating order, so no path always runs first.
  console.log('');
  console.log(
    `fixed rate ${rate} req/s — added = full − direct; targets: added p50 ≤ ${TARGETS.addedP50Ms} ms and p99 ≤ ${TARGETS.addedP99Ms} ms`,
  );
  console.log(
    `  run  ${paths.map((t) => `${t.name} p50 / p99`.padStart(24)).join('')}  ${'added p50'.padStart(10)} ${'added p99'.padStart(10)}  held`,
  );
  let held = 0;
  const notOk: Record<string, number> = {};
  for (let run = 0; run < runs; run++) {
    const order = [...paths.slice(run % paths.length), ...paths.slice(0, run % paths.length)];
    const byPath = new Map<Target, { p50: number; p99: number }>();
    for (const t of order) {
      const r = await atFixedRate(t, rate, durationMs);
      byPath.set(t, { p50: quantile(r.latencies, 0.5), p99: quantile(r.latencies, 0.99) });
      for (const [k, v] of Object.entries(r.byStatus))
        if (!k.startsWith('2')) notOk[`${t.name} ${k}`] = (notOk[`${t.name} ${k}`] ?? 0) + v;
    }
    const d = byPath.get(direct)!;
    const f = byPath.get(full)!;
    const addedP50 = f.p50 - d.p50;
    const addedP99 = f.p99 - d.p99;
    const ok = addedP50 <= TARGETS.addedP50Ms && addedP99 <= TARGETS.addedP99Ms;
    if (ok) held++;
    const cells = paths.map((t) => {
      const x = byPath.get(t)!;
      return pad(`${x.p50.toFixed(2)} / ${x.p99.toFixed(2)}`, 24);
    });
    console.log(
      `  ${String(run + 1).padStart(3)}  ${cells.join('')}  ${pad(ms(addedP50), 10)} ${pad(ms(addedP99), 10)}  ${ok ? 'yes' : 'no'}`,
    );
  }
  console.log(
    `  held in ${held} of ${runs} runs   target: at least ${TARGETS.runsHeld} of 5   ${held >= TARGETS.runsHeld ? 'met' : 'NOT met'}`,
  );
  if (Object.keys(notOk).length > 0)
    console.log(`  answers not 2xx (left out of the percentiles): ${JSON.stringify(notOk)}`);

  // The stack's own CPU with no benchmark traffic (background traffic, probes, scrapes, timers): what
  // every request competes with.
  const idleBefore = snapshot(stack, runLockFile(varDir));
  const idleStart = performance.now();
  await new Promise((r) => setTimeout(r, idleMs));
  const idleRows = cpuPer(
    idleBefore,
    snapshot(stack, runLockFile(varDir)),
    (performance.now() - idleStart) / 1000,
  );

  // Phase 2: saturation, with the CPU of every component of the stack and of this process around each path.
  const sat = [];
  for (const t of [direct, full]) {
    const before = snapshot(stack, runLockFile(varDir));
    const cpu0 = process.cpuUsage();
    const r = await atSaturation(t, connections, saturationMs);
    const cpu = process.cpuUsage(cpu0);
    const after = snapshot(stack, runLockFile(varDir));
    const requests = Object.values(r.byStatus).reduce((a, b) => a + b, 0);
    const rows = cpuPer(before, after, requests);
    const restarts = restarted(before, after);
    sat.push({ t, ...r, requests, rows, restarts, self: (cpu.user + cpu.system) / Math.max(1, requests) });
  }
  const [sd, sf] = sat as [(typeof sat)[0], (typeof sat)[0]];
  console.log('');
  console.log(`saturation (${connections} connections, ${saturationMs / 1000} s per path)`);
  for (const s of sat)
    console.log(
      `  ${s.t.name.padEnd(10)} ${pad(s.perSecond.toFixed(0), 7)} req/s  answers ${JSON.stringify(s.byStatus)}`,
    );
  const ratio = sf.perSecond / sd.perSecond;
  console.log(
    `  throughput ratio full/direct ${ratio.toFixed(3)}   target ≥ ${TARGETS.saturationRatio}   ${ratio >= TARGETS.saturationRatio ? 'met' : 'NOT met'}`,
  );
  console.log('');
  console.log(
    'CPU per request during saturation (µs), and with no benchmark traffic (ms of CPU per second); /proc utime+stime of every process of each component',
  );
  console.log(`  ${'component'.padEnd(26)}${pad('direct', 9)}${pad('full path', 11)}${pad('idle ms/s', 11)}`);
  const totals = [0, 0, 0];
  const line = (name: string, cells: number[]) =>
    console.log(`  ${name.padEnd(26)}${cells.map((v, j) => pad(v.toFixed(1), j === 0 ? 9 : 11)).join('')}`);
  for (const [i, row] of sf.rows.entries()) {
    const cells = [sd.rows[i]!.micros, row.micros, idleRows[i]!.micros / 1000];
    for (const [j, v] of cells.entries()) totals[j]! += v;
    line(row.name, cells);
  }
  line('total (the stack)', totals);
  line('load generator (this)', [sd.self, sf.self]);
  for (const s of sat) {
    if (s.restarts.length > 0)
      console.log(
        `  note: restarted during the ${s.t.name} run: ${s.restarts.join(', ')} (the CPU of the process that ended is lost; those rows are not exact)`,
      );
  }
}

main().catch((error: Error) => {
  console.error(`bench/gateway: ${error.message}`);
  process.exitCode = 1;
});
