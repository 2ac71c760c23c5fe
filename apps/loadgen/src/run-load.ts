import { rename, writeFile } from 'node:fs/promises';
import { type Credentials, sendRequest } from './client/send-request.js';
import { type GroundTruth, GroundTruthRecorder } from './ground-truth.js';
import { SCENARIOS, type ScenarioName, seededRandom } from './scenarios.js';

export interface LoadOptions {
  scenario: ScenarioName;
  /** The gateway's base URL, e.g. http://127.0.0.1:8080. */
  gateway: string;
  /** Requests per second (a scenario may vary around it). */
  rate: number;
  /** How long to send, in milliseconds; 0 runs until `signal` aborts. */
  durationMs: number;
  keys: Credentials;
  /** Models to use. @default the ids of GET /v1/models */
  models?: readonly string[];
  /** The model of the slow-model scenario. @default the first model whose name contains "slow", else the first */
  slowModel?: string;
  /** @default 1 */
  seed?: number;
  /** Requests in flight above which a due request is skipped (and counted). @default 256 */
  maxInFlight?: number;
  /** Ground-truth file, rewritten every `writeEveryMs` and at the end. @default none */
  out?: string;
  /** @default 10000 */
  writeEveryMs?: number;
  /** Per-request timeout, in milliseconds. @default 120000 */
  requestTimeoutMs?: number;
  /** Stops sending; requests in flight are still awaited and recorded. */
  signal?: AbortSignal;
}

/** Thrown when a run cannot start; `field` names the option at fault. */
export class LoadConfigError extends Error {
  override readonly name = 'LoadConfigError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** The model ids the gateway lists (GET /v1/models with the valid key). */
export async function listModels(gateway: string, key: string): Promise<string[]> {
  let res: Response;
  try {
    res = await fetch(`${gateway}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new LoadConfigError('gateway', `cannot reach ${gateway} (${code}); is the stack up?`);
  }
  const text = await res.text();
  if (!res.ok)
    throw new LoadConfigError('models', `GET /v1/models answered ${res.status}: ${text.slice(0, 200)}`);
  const body = JSON.parse(text) as { data?: { id?: unknown }[] };
  const ids = (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
  if (ids.length === 0) throw new LoadConfigError('models', 'GET /v1/models listed no model');
  return ids;
}

async function writeAtomic(file: string, truth: GroundTruth): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, `${JSON.stringify(truth, null, 2)}\n`);
  await rename(tmp, file);
}

/**
 * Runs a scenario: open-loop arrivals at the scenario's rate (a slow answer does not slow the sending down;
 * past `maxInFlight` requests in flight a due request is skipped and counted), each request real HTTP to
 * the gateway, each outcome recorded in the ground truth.
 */
export async function runLoad(options: LoadOptions): Promise<GroundTruth> {
  const sc = SCENARIOS[options.scenario];
  if (!sc) throw new LoadConfigError('scenario', `unknown scenario "${options.scenario}"`);
  if (!(options.rate > 0 && options.rate <= 100_000)) {
    throw new LoadConfigError('rate', 'must be a number of requests per second above 0');
  }
  if (!(options.durationMs >= 0)) throw new LoadConfigError('duration', 'must not be negative');
  if (sc.needsExpiredKey && !options.keys.expired) {
    throw new LoadConfigError('expired key', `the ${sc.name} scenario needs an expired API key`);
  }
  const models = options.models?.length
    ? options.models
    : await listModels(options.gateway, options.keys.valid);
  const slowModel = options.slowModel ?? models.find((m) => m.includes('slow')) ?? models[0]!;
  const seed = options.seed ?? 1;
  const ctx = { models, slowModel, random: seededRandom(seed) };
  const recorder = new GroundTruthRecorder({
    scenario: sc.name,
    gateway: options.gateway,
    seed,
    rate: options.rate,
  });
  const maxInFlight = options.maxInFlight ?? 256;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  let index = 0;
  let due = 0;
  let last = started;
  let lastWrite = Date.now();
  let writing: Promise<void> | undefined;

  const flush = async () => {
    if (!options.out) return;
    await writing;
    writing = writeAtomic(options.out, recorder.snapshot());
    await writing;
  };

  while (!options.signal?.aborted) {
    const now = performance.now();
    const elapsedMs = now - started;
    if (options.durationMs > 0 && elapsedMs >= options.durationMs) break;
    due += (sc.rateAt(options.rate, elapsedMs / 1000) * (now - last)) / 1000;
    last = now;
    while (due >= 1) {
      due -= 1;
      const request = sc.plan(index++, ctx);
      if (inFlight.size >= maxInFlight) {
        recorder.skipped();
        continue;
      }
      const p = sendRequest(options.gateway, request, options.keys, {
        timeoutMs: options.requestTimeoutMs,
      }).then((outcome) => {
        recorder.record(request, outcome);
        inFlight.delete(p);
      });
      inFlight.add(p);
    }
    if (options.out && Date.now() - lastWrite >= (options.writeEveryMs ?? 10_000)) {
      lastWrite = Date.now();
      void flush();
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(inFlight);
  await flush();
  return recorder.snapshot();
}
