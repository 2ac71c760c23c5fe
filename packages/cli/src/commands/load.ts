import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type GroundTruth, readKeyFile, runLoad, type ScenarioName } from '@opsight/loadgen';
import { EXPIRED_API_KEY_FILE, LOADGEN_API_KEY_FILE } from '../stack/components/loadgen.js';
import { stackPaths } from '../stack/paths.js';
import { resolvePorts } from '../stack/ports.js';

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
      out,
      signal: controller.signal,
    });
  } finally {
    process.off('SIGINT', stop);
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
