// Gateway benchmark: what the platform path adds to a zero-latency model.
//
//   direct: client → model-serving
//   full:   client → nginx gateway → api-service → (gRPC) model-router → model-serving
//
// Both against the running local stack (`npm run up`), non-stream, one model with the `instant` latency
// profile. Phase 1: a fixed rate (300 req/s) on each path in turn → added p50 and p99. Phase 2: saturation
// with a fixed number of connections → throughput ratio. Targets: added p50 ≤ 3 ms, p99 ≤ 10 ms.
//
//   npm run bench -w bench/gateway -- [--model NAME] [--rate 300] [--seconds 10] [--connections 32]
//     [--gateway http://127.0.0.1:8080] [--api http://127.0.0.1:8081] [--direct http://127.0.0.1:8090] [--key-file var/secrets/loadgen-api-key]
// The key comes from OPSIGHT_API_KEY or --key-file; its rate limit must allow the fixed rate (429s are
// counted and reported, and excluded from the latencies).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { atFixedRate, atSaturation, quantile, type Target } from './load.js';

const root = new URL('../../../..', import.meta.url).pathname;

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    rate: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    gateway: { type: 'string', default: 'http://127.0.0.1:8080' },
    direct: { type: 'string', default: 'http://127.0.0.1:8090' },
    api: { type: 'string', default: 'http://127.0.0.1:8081' },
    'key-file': { type: 'string', default: join(root, 'var/secrets/loadgen-api-key') },
  },
});
const rate = Number(values.rate);
const durationMs = Number(values.seconds) * 1000;
const connections = Number(values.connections);

function apiKey(): string {
  if (process.env.OPSIGHT_API_KEY) return process.env.OPSIGHT_API_KEY;
  try {
    return readFileSync(values['key-file'], 'utf8').split('\n')[0]!.trim();
  } catch {
    throw new Error(
      `no API key: set OPSIGHT_API_KEY or create ${values['key-file']} (opsight up prints the default key)`,
    );
  }
}

/** The model to use: --model, else the first one model-serving lists whose name says it is instant. */
async function pickModel(): Promise<string> {
  if (values.model) return values.model;
  const res = await fetch(`${values.direct}/v1/models`);
  const body = (await res.json()) as { data: { id: string }[] };
  const ids = body.data.map((m) => m.id);
  const instant = ids.find((id) => /instant|zero/.test(id));
  if (!instant)
    throw new Error(`no instant model among ${ids.join(', ')}: pass --model NAME (an "instant" profile)`);
  return instant;
}

const ms = (n: number) => `${n.toFixed(2)} ms`;

async function main(): Promise<void> {
  const key = apiKey();
  const model = await pickModel();
  const body = JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'Say hello.' }],
    max_tokens: 16,
    // Not 0: identical temperature-0 requests would be answered from the API's response cache.
    temperature: 0.5,
  });
  const json = { 'content-type': 'application/json' };
  const direct: Target = { name: 'direct', url: `${values.direct}/v1/chat/completions`, headers: json, body };
  const full: Target = {
    name: 'full path',
    url: `${values.gateway}/v1/chat/completions`,
    headers: { ...json, authorization: `Bearer ${key}` },
    body,
  };
  // The same request to api-service without nginx: splits the added time between the gateway and the rest.
  const api: Target = { ...full, name: 'no nginx', url: `${values.api}/v1/chat/completions` };
  console.log(
    `gateway benchmark: model ${model}, ${rate} req/s for ${durationMs / 1000} s per path, then ${connections} connections`,
  );
  // Warm-up: connections, JIT, the API key's cache entry.
  const paths = [direct, api, full];
  for (const t of paths) await atFixedRate(t, 50, 2000);

  // Four rounds per path in rotating order, so no path always runs first (warm-up, background load).
  const rounds = 4;
  const runs = new Map<Target, { latencies: number[]; byStatus: Record<string, number> }>(
    paths.map((t) => [t, { latencies: [], byStatus: {} }]),
  );
  for (let round = 0; round < rounds; round++) {
    for (const t of [...paths.slice(round % 3), ...paths.slice(0, round % 3)]) {
      const r = await atFixedRate(t, rate, durationMs / rounds);
      const acc = runs.get(t)!;
      acc.latencies.push(...r.latencies);
      for (const [k, v] of Object.entries(r.byStatus)) acc.byStatus[k] = (acc.byStatus[k] ?? 0) + v;
    }
  }
  const fixed = paths.map((t) => {
    const r = runs.get(t)!;
    r.latencies.sort((a, b) => a - b);
    return { t, r, p50: quantile(r.latencies, 0.5), p99: quantile(r.latencies, 0.99) };
  });
  const sat = [];
  for (const t of [direct, full]) sat.push({ t, ...(await atSaturation(t, connections, durationMs)) });

  console.log('');
  console.log(`fixed rate ${rate} req/s`);
  for (const f of fixed) {
    console.log(
      `  ${f.t.name.padEnd(10)} p50 ${ms(f.p50).padStart(10)}  p99 ${ms(f.p99).padStart(10)}  answers ${JSON.stringify(f.r.byStatus)}`,
    );
  }
  const [d, a, f] = fixed as [(typeof fixed)[0], (typeof fixed)[0], (typeof fixed)[0]];
  const addedP50 = f.p50 - d.p50;
  const addedP99 = f.p99 - d.p99;
  console.log(
    `  of which api-service → model-router: p50 ${ms(a.p50 - d.p50)}, p99 ${ms(a.p99 - d.p99)}; nginx: p50 ${ms(f.p50 - a.p50)}, p99 ${ms(f.p99 - a.p99)}`,
  );
  console.log(`  added p50 ${ms(addedP50)}   target ≤ 3 ms    ${addedP50 <= 3 ? 'met' : 'NOT met'}`);
  console.log(`  added p99 ${ms(addedP99)}   target ≤ 10 ms   ${addedP99 <= 10 ? 'met' : 'NOT met'}`);
  console.log('');
  console.log(`saturation (${connections} connections)`);
  for (const s of sat)
    console.log(
      `  ${s.t.name.padEnd(10)} ${s.perSecond.toFixed(0).padStart(7)} req/s  answers ${JSON.stringify(s.byStatus)}`,
    );
  console.log(
    `  throughput ratio full/direct ${(sat[1]!.perSecond / sat[0]!.perSecond).toFixed(3)}   (no target; anchors: LiteLLM 12 ms p50 added, Portkey 2.4 ms, Bifrost 0.44 ms)`,
  );
  const errors = fixed.some((x) => Object.keys(x.r.byStatus).some((s) => !s.startsWith('2')));
  if (errors)
    console.log('\nnote: some answers were not 2xx (see above); their latencies are not in the percentiles');
}

main().catch((error: Error) => {
  console.error(`bench/gateway: ${error.message}`);
  process.exitCode = 1;
});
