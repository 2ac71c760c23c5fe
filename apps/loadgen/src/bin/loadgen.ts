#!/usr/bin/env node
// Runs one traffic scenario through the gateway and writes its ground truth:
//   loadgen <scenario> [--gateway http://127.0.0.1:8080] [--rate 5] [--duration 60s|0] [--out FILE]
//           [--key-file FILE] [--expired-key-file FILE] [--models a,b] [--seed N] [--wait]
// The API key comes from OPSIGHT_API_KEY or the first line of --key-file (never from the command line).
// --wait: wait for the key file and for the API to list its models instead of failing (the supervised
// background traffic of `opsight up` starts before any key exists). SIGTERM/SIGINT stop the sending,
// let requests in flight finish and write the ground truth.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { readKeyFile, waitForKeyFile } from '../api-key.js';
import { parseDuration } from '../duration.js';
import { listModels, runLoad } from '../run-load.js';
import { SCENARIO_NAMES, scenario } from '../scenarios.js';

const usage = `usage: loadgen <${SCENARIO_NAMES.join('|')}> [--gateway URL] [--rate N] [--duration 60s|0] [--out FILE]
               [--key-file FILE] [--expired-key-file FILE] [--models a,b] [--seed N] [--wait]`;

const log = (level: string, message: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(
    `${JSON.stringify({ timestamp: new Date().toISOString(), level, service: 'loadgen', message, ...fields })}\n`,
  );

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      gateway: { type: 'string', default: 'http://127.0.0.1:8080' },
      rate: { type: 'string', default: '5' },
      duration: { type: 'string', default: '60s' },
      out: { type: 'string' },
      'key-file': { type: 'string' },
      'expired-key-file': { type: 'string' },
      models: { type: 'string' },
      seed: { type: 'string', default: '1' },
      wait: { type: 'boolean', default: false },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const sc = scenario(positionals[0] ?? '');
  if (!sc || positionals.length !== 1) throw new UsageError(`unknown scenario "${positionals[0] ?? ''}"`);
  const rate = Number(values.rate);
  if (!(rate > 0)) throw new UsageError(`--rate must be a positive number, not "${values.rate}"`);
  const durationMs = parseDuration(values.duration);
  if (durationMs === undefined)
    throw new UsageError(`--duration must look like 60s, 2m or 0, not "${values.duration}"`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be a whole number`);

  const controller = new AbortController();
  for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => controller.abort());

  let key = process.env.OPSIGHT_API_KEY || undefined;
  const keyFile = values['key-file'];
  if (!key && keyFile) {
    key = values.wait
      ? await waitForKeyFile(keyFile, {
          signal: controller.signal,
          onWait: () => log('WARN', 'waiting for an API key', { key_file: keyFile }),
        })
      : readKeyFile(keyFile);
  }
  if (controller.signal.aborted) return 0;
  if (!key)
    throw new UsageError(
      'no API key: set OPSIGHT_API_KEY or --key-file (create one with `opsight keys create`)',
    );
  const expired = values['expired-key-file'] ? readKeyFile(values['expired-key-file']) : undefined;

  let models = values.models
    ?.split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  while (!models?.length && values.wait && !controller.signal.aborted) {
    try {
      models = await listModels(values.gateway, key);
    } catch (error) {
      log('WARN', 'the API does not list its models yet; retrying in 5 s', {
        error: (error as Error).message,
      });
      await new Promise((r) => setTimeout(r, 5_000));
    }
  }
  if (controller.signal.aborted) return 0;
  if (values.out) mkdirSync(dirname(values.out), { recursive: true });
  log('INFO', 'sending', { scenario: sc.name, rate, duration_ms: durationMs, gateway: values.gateway });
  const truth = await runLoad({
    scenario: sc.name,
    gateway: values.gateway,
    rate,
    durationMs,
    keys: { valid: key, expired },
    models,
    seed,
    out: values.out,
    signal: controller.signal,
  });
  log('INFO', 'done', {
    scenario: sc.name,
    requests: truth.requests,
    tokens: truth.tokens,
    latency_ms: truth.latencyMs,
    out: values.out,
  });
  return 0;
}

class UsageError extends Error {}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`loadgen: ${error.message}\n${error instanceof UsageError ? `${usage}\n` : ''}`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
