import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type GroundTruth, readKeyFile, runLoad, type ScenarioName } from '@opsight/loadgen';
import { EXPIRED_API_KEY_FILE, LOADGEN_API_KEY_FILE } from '../stack/components/loadgen.js';
import { MODEL_SERVING_INSTANCES } from '../stack/components/models.js';
import { stackPaths } from '../stack/paths.js';
import { type Ports, resolvePorts } from '../stack/ports.js';

/**
 * The local stack's simulated models answer well under a second, so that the background traffic raises no
 * alert. `opsight load slow-model` makes one slow on purpose: it sends every request to this model and, for
 * the run, adds `addedTtftMs` to its time to first token with the instance's fault switch (POST
 * /admin/faults latencyMs), then restores the value it found. p99 through the gateway, api-service and the
 * router then goes past the 1 s of the strategy's latency alert (docs/architecture.md, 1.3), and
 * HighLatency fires after its `for:`.
 */
export const SLOW_MODEL = { model: 'chat-large', addedTtftMs: 1500 } as const;

/**
 * `opsight load <scenario> [--rate N] [--duration 60s]`: runs a traffic scenario through the local
 * gateway and writes its ground truth to var/loadgen/<scenario>-<time>.json (or --out). The key is
 * OPSIGHT_API_KEY or var/secrets/loadgen-api-key.
 */
export async function load(options: {
  root: string;
  scenario: ScenarioName;
  rate: number;
  durationMs: number;
  out?: string;
  models?: string[];
  seed?: number;
}): Promise<number> {
  const paths = stackPaths(options.root);
  const ports = resolvePorts();
  const keyFile = join(paths.secrets, LOADGEN_API_KEY_FILE);
  const key = process.env.OPSIGHT_API_KEY || readKeyFile(keyFile);
  if (!key) {
    process.stderr.write(
      `opsight: no API key: set OPSIGHT_API_KEY or create the default key (expected in ${keyFile})\n`,
    );
    return 1;
  }
  const expired = readKeyFile(join(paths.secrets, EXPIRED_API_KEY_FILE));
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = options.out ?? join(paths.varDir, 'loadgen', `${options.scenario}-${stamp}.json`);
  mkdirSync(join(out, '..'), { recursive: true });
  const gateway = `http://127.0.0.1:${ports.gateway}`;
  process.stdout.write(
    `opsight: ${options.scenario} at ${options.rate} req/s for ${options.durationMs / 1000} s through ${gateway}…\n`,
  );
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  let restore: (() => Promise<void>) | undefined;
  if (options.scenario === 'slow-model') {
    try {
      restore = await slowDown(ports);
    } catch (error) {
      process.off('SIGINT', stop);
      process.stderr.write(
        `opsight: cannot make ${SLOW_MODEL.model} slow: ${(error as Error).message} (is the stack up?)\n`,
      );
      return 1;
    }
  }
  let truth: GroundTruth;
  try {
    truth = await runLoad({
      scenario: options.scenario,
      gateway,
      rate: options.rate,
      durationMs: options.durationMs,
      keys: { valid: key, expired },
      models: options.models,
      seed: options.seed,
      ...(options.scenario === 'slow-model' ? { slowModel: SLOW_MODEL.model } : {}),
      out,
      signal: controller.signal,
    });
  } finally {
    process.off('SIGINT', stop);
    await restore?.();
  }
  process.stdout.write(summary(truth, out));
  return 0;
}

function summary(t: GroundTruth, out: string): string {
  const statuses = Object.entries(t.requests.byStatus)
    .map(([s, n]) => `${s === '0' ? 'no answer' : s}: ${n}`)
    .join(', ');
  const codes = Object.entries(t.requests.byErrorCode)
    .map(([c, n]) => `${c}: ${n}`)
    .join(', ');
  return [
    `requests   ${t.requests.total} in ${t.durationSeconds} s (${statuses || 'none'})${t.requests.skipped ? `, ${t.requests.skipped} skipped (too many in flight)` : ''}`,
    ...(codes ? [`errors     ${codes}`] : []),
    `tokens     ${t.tokens.prompt} prompt, ${t.tokens.completion} completion`,
    `latency    p50 ${t.latencyMs.p50} ms, p90 ${t.latencyMs.p90} ms, p99 ${t.latencyMs.p99} ms`,
    ...(t.ttftMs.count
      ? [`ttft       p50 ${t.ttftMs.p50} ms, p99 ${t.ttftMs.p99} ms (${t.ttftMs.count} streamed)`]
      : []),
    `truth      ${out}`,
    '',
  ].join('\n');
}

/**
 * Adds {@link SLOW_MODEL}'s latency on the instance that serves it; resolves with the function that puts
 * back the latency found there.
 */
async function slowDown(ports: Ports): Promise<() => Promise<void>> {
  const index = MODEL_SERVING_INSTANCES.findIndex((i) => i.model === SLOW_MODEL.model);
  const url = `http://127.0.0.1:${ports.modelServing + index}/admin/faults`;
  const set = async (latencyMs: number) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs }),
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`POST ${url}: HTTP ${res.status}`);
  };
  let found: number;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    found = ((await res.json()) as { latencyMs: number }).latencyMs;
  } catch (error) {
    throw new Error(`GET ${url}: ${(error as Error).message}`);
  }
  await set(found + SLOW_MODEL.addedTtftMs);
  process.stdout.write(
    `opsight: ${SLOW_MODEL.model} answers ${SLOW_MODEL.addedTtftMs} ms slower for this run (fault switch on model-serving-${index})\n`,
  );
  return async () => {
    try {
      await set(found);
    } catch (error) {
      process.stderr.write(
        `opsight: could not restore ${SLOW_MODEL.model}'s latency (${(error as Error).message}); DELETE ${url} clears it\n`,
      );
    }
  };
}
