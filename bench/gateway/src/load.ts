// Two ways of loading an HTTP endpoint with keep-alive connections: open-loop at a fixed rate (latency
// measured from each request's scheduled time, so a stall is not hidden by the sender waiting), and
// closed-loop with a fixed number of connections (throughput at saturation).
import { Agent, request } from 'node:http';

export interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface RateResult {
  sent: number;
  /** Latencies of 2xx answers, in milliseconds, sorted. */
  latencies: number[];
  byStatus: Record<string, number>;
}

function send(agent: Agent, target: Target): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      target.url,
      {
        method: 'POST',
        agent,
        headers: { ...target.headers, 'content-length': Buffer.byteLength(target.body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(target.body);
  });
}

const bump = (m: Record<string, number>, k: number) => {
  m[k] = (m[k] ?? 0) + 1;
};

/** Sends `rate` requests a second for `durationMs`; each latency counts from its scheduled start. */
export async function atFixedRate(target: Target, rate: number, durationMs: number): Promise<RateResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const result: RateResult = { sent: 0, latencies: [], byStatus: {} };
  const pending: Promise<void>[] = [];
  const interval = 1000 / rate;
  const start = performance.now();
  const total = Math.floor((rate * durationMs) / 1000);
  for (let i = 0; i < total; i++) {
    const scheduled = start + i * interval;
    const wait = scheduled - performance.now();
    // Never before its time: a timer for the bulk of the wait, then yield until the scheduled instant
    // (sending early would understate the latency, which counts from the scheduled time).
    if (wait > 1) await new Promise((r) => setTimeout(r, wait - 1));
    while (performance.now() < scheduled) await new Promise((r) => setImmediate(r));
    result.sent++;
    pending.push(
      send(agent, target).then((status) => {
        bump(result.byStatus, status);
        if (status >= 200 && status < 300) result.latencies.push(performance.now() - scheduled);
      }),
    );
  }
  await Promise.all(pending);
  agent.destroy();
  result.latencies.sort((a, b) => a - b);
  return result;
}

/** Keeps `connections` requests in flight for `durationMs`; returns 2xx answers per second. */
export async function atSaturation(
  target: Target,
  connections: number,
  durationMs: number,
): Promise<{ perSecond: number; byStatus: Record<string, number> }> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const byStatus: Record<string, number> = {};
  let ok = 0;
  const end = performance.now() + durationMs;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const status = await send(agent, target);
        bump(byStatus, status);
        if (status >= 200 && status < 300) ok++;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  return { perSecond: ok / seconds, byStatus };
}

/** Nearest-rank quantile of sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
