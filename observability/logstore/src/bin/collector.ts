#!/usr/bin/env node
// opsight-collector: tails kubelet-style CRI log files and pushes them to the log store.
//
//   node observability/logstore/dist/src/bin/collector.js --pods-dir var/log/pods \
//     --positions var/data/collector/positions.json --url http://127.0.0.1:3100 --listen 127.0.0.1:9080
//     [--tenant T] [--bearer-token-file F] [--max-retry-period 10m]
//
// --max-retry-period: how long a stream the store refuses with 429 (stream or rate limit) is retried
// before its refused entries are dropped and counted in opsight_collector_entries_dropped_total
// (Alloy: max_backoff_period × max_backoff_retries). A Go-style duration: 500ms, 30s, 10m, 1h.
// Default 10m. 5xx and 503 (store down, disk full) are retried for ever.
//
// Serves GET /metrics, /healthz and /readyz (alias /ready: 200 once the first scan is done).
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { startAdminServer } from '@opsight/telemetry/admin';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { Collector } from '../internal/collector/collector.js';

function usage(message: string): never {
  process.stderr.write(`collector: ${message}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const opt: Record<string, string> = {};
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (
    ![
      '--pods-dir',
      '--positions',
      '--url',
      '--listen',
      '--tenant',
      '--bearer-token-file',
      '--max-retry-period',
    ].includes(a)
  )
    usage(`unknown argument ${a}`);
  opt[a.slice(2)] = args[++i] ?? usage(`${a} needs a value`);
}
const podsDir = opt['pods-dir'] ?? 'var/log/pods';
const positionsFile = opt.positions ?? 'var/data/collector/positions.json';
const url = (opt.url ?? 'http://127.0.0.1:3100').replace(/\/+$/, '');
const listen = opt.listen ?? '127.0.0.1:9080';
const idx = listen.lastIndexOf(':');
const host = idx > 0 ? listen.slice(0, idx) : '127.0.0.1';
const port = Number(listen.slice(idx + 1));
if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`invalid --listen ${listen}`);

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const retry = /^(\d+)(ms|s|m|h)$/.exec(opt['max-retry-period'] ?? '10m');
if (!retry) usage(`invalid --max-retry-period ${opt['max-retry-period']} (e.g. 30s, 10m)`);
const maxRetryPeriodMs = Number(retry[1]) * UNITS[retry[2]!]!;

mkdirSync(dirname(positionsFile), { recursive: true });
const registry = new Registry();
collectDefaultMetrics({ register: registry });
const collector = new Collector({
  podsDir,
  positionsFile,
  url,
  registry,
  maxRetryPeriodMs,
  ...(opt.tenant ? { tenant: opt.tenant } : {}),
  ...(opt['bearer-token-file'] ? { bearerToken: readFileSync(opt['bearer-token-file'], 'utf8').trim() } : {}),
});
collector.start();

const server = await startAdminServer(
  {
    metrics: registry,
    ready: { collector: () => collector.ready },
    routes: { '/ready': 'ready' },
    onError: (error) => process.stderr.write(`collector: rendering /metrics failed: ${String(error)}\n`),
  },
  { host, port },
).catch((e: Error) => {
  process.stderr.write(`collector: cannot listen on ${listen}: ${e.message}\n`);
  process.exit(1);
});
process.stdout.write(`collector listening on http://${server.host}:${server.port}\n`);
const stop = () => {
  void server.close();
  collector.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
