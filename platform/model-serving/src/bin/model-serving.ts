#!/usr/bin/env node
// opsight-model-serving: simulated models behind an OpenAI-compatible HTTP API.
//
//   node platform/model-serving/dist/src/bin/model-serving.js --listen 127.0.0.1:8090 \
//     --model chat-fast=fast [--model NAME=PROFILE ...] [--ttft-ms N] [--token-ms N] [--jitter F]
//
// PROFILE is one of the presets (fast, large, small, instant); the --ttft-ms, --token-ms and --jitter
// options override every model's profile. With --upstream-url (or UPSTREAM_BASE_URL), for instance
// https://api.openai.com/v1 or a vLLM server's http://host:8000/v1, the --model names are forwarded to that
// OpenAI-compatible upstream instead of simulated; its key comes from UPSTREAM_API_KEY only (never an
// argument, which `ps` would show) and is never logged. Telemetry is configured by OTEL_* and LOG_LEVEL.
// OPSIGHT_FAULTS=1 serves /admin/faults (test stacks; `opsight up` sets it); with an upstream it is refused.
import { parseArgs } from 'node:util';
import { initTelemetry } from '@opsight/telemetry';
import { buildServingApp } from '../app.js';
import { type ModelProfile, modelProfile } from '../internal/model-profile.js';

function usage(message: string): never {
  process.stderr.write(`model-serving: ${message}\n`);
  process.exit(2);
}

function main(): void {
  let values: ReturnType<typeof parse>['values'];
  function parse() {
    return parseArgs({
      options: {
        listen: { type: 'string', default: '127.0.0.1:8090' },
        model: { type: 'string', multiple: true },
        'ttft-ms': { type: 'string' },
        'token-ms': { type: 'string' },
        jitter: { type: 'string' },
        'upstream-url': { type: 'string' },
      },
    });
  }
  try {
    values = parse().values;
  } catch (error) {
    usage((error as Error).message);
  }
  const overrides: Partial<ModelProfile> = {};
  for (const [flag, field] of [
    ['ttft-ms', 'ttftMs'],
    ['token-ms', 'tokenMs'],
    ['jitter', 'jitter'],
  ] as const) {
    const text = values[flag];
    if (text === undefined) continue;
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) usage(`--${flag} ${JSON.stringify(text)} is not a number`);
    overrides[field] = n;
  }
  const specs = values.model ?? ['chat-fast=fast'];
  const models: ModelProfile[] = [];
  for (const spec of specs) {
    const [name = '', preset = 'fast'] = spec.split('=');
    try {
      models.push(modelProfile(name, preset, overrides));
    } catch (error) {
      usage(`--model ${spec}: ${(error as Error).message}`);
    }
  }
  const listen = values.listen ?? '';
  const idx = listen.lastIndexOf(':');
  const host = idx > 0 ? listen.slice(0, idx) : '127.0.0.1';
  const port = Number(listen.slice(idx + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`invalid --listen ${listen}`);

  const upstreamUrl = values['upstream-url'] ?? process.env.UPSTREAM_BASE_URL;
  if (upstreamUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(upstreamUrl))
    usage(`--upstream-url ${JSON.stringify(upstreamUrl)} is not an http(s) URL`);
  const upstream = upstreamUrl
    ? {
        baseUrl: upstreamUrl,
        ...(process.env.UPSTREAM_API_KEY ? { apiKey: process.env.UPSTREAM_API_KEY } : {}),
      }
    : undefined;

  const faults = process.env.OPSIGHT_FAULTS === '1';
  if (faults && upstream)
    usage(
      'OPSIGHT_FAULTS=1 cannot be used with --upstream-url / UPSTREAM_BASE_URL: fault switches would let anyone who reaches the port slow down or crash the real model; unset one of them',
    );
  const telemetry = initTelemetry({ service: 'model-serving' });
  void buildServingApp({ models, telemetry, faults, ...(upstream ? { upstream } : {}) }).then(async (app) => {
    telemetry.onShutdown(() => app.close());
    try {
      const address = await app.listen({ host, port });
      telemetry.logger.info(
        { models: models.map((m) => m.name), address, upstream: upstream?.baseUrl },
        `model-serving listening on ${address}`,
      );
    } catch (error) {
      telemetry.logger.error({ error }, `cannot listen on ${listen}`);
      await telemetry.shutdown();
      process.exit(1);
    }
  });
}

main();
