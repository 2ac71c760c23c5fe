#!/usr/bin/env node
// The alert relay process. Configuration: ALERT_RELAY_CONFIG names a JSON file `{ "receivers": [...] }`
// (secrets come from the environment variables it names); without it, the relay keeps a local inbox only.
// Listens on `--listen host:port` (compose and Kubernetes: 0.0.0.0:9096), else ALERT_RELAY_HOST and
// ALERT_RELAY_PORT (127.0.0.1:9096, the local stack's port).
// The queue: `--queue-dir <dir>`, else ALERT_RELAY_QUEUE_DIR, else var/alert-relay under the working
// directory (`opsight up` passes var/data/alert-relay; compose and Kubernetes a volume). Notifications are
// fsync'd there before the relay answers 202, and pending deliveries resume from it at start.
// Retry and dedup timings (milliseconds; RelayOptions documents them): ALERT_RELAY_RETRY_BASE_MS (1000),
// ALERT_RELAY_RETRY_MAX_MS (60000), ALERT_RELAY_GIVE_UP_AFTER_MS (3600000), ALERT_RELAY_DEDUP_WINDOW_MS
// (3600000).
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { RelayConfigError, resolveReceivers } from '../config.js';
import { buildRelay } from '../relay.js';

const log = (level: string, fields: object, message: string) =>
  process.stdout.write(
    `${JSON.stringify({ timestamp: new Date().toISOString(), level, service: 'alert-relay', message, ...fields })}\n`,
  );

/** The value after the flag at `index` of argv, or undefined when the flag is absent (-1). */
const argAfter = (index: number): string | undefined =>
  index >= 0 ? (process.argv[index + 1] ?? '') : undefined;

/** A whole number of milliseconds from the environment variable `name`, or undefined when unset. */
const ms = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw new Error(`${name}=${text}: expected a whole number of milliseconds`);
  return Number(text);
};

try {
  const file = process.env.ALERT_RELAY_CONFIG;
  const config = file
    ? JSON.parse(readFileSync(file, 'utf8'))
    : { receivers: [{ name: 'inbox', type: 'inbox' }] };
  const receivers = resolveReceivers(config);
  const listen = argAfter(process.argv.indexOf('--listen'));
  const match = listen === undefined ? undefined : /^(.+):(\d+)$/.exec(listen);
  if (listen !== undefined && !match) throw new Error(`--listen ${listen ?? ''}: expected host:port`);
  const host = match?.[1] ?? process.env.ALERT_RELAY_HOST ?? '127.0.0.1';
  const port = Number(match?.[2] ?? process.env.ALERT_RELAY_PORT ?? 9096);
  const queueDir =
    argAfter(process.argv.indexOf('--queue-dir')) || process.env.ALERT_RELAY_QUEUE_DIR || 'var/alert-relay';
  const app = buildRelay({
    receivers,
    queueDir,
    baseDelayMs: ms('ALERT_RELAY_RETRY_BASE_MS', process.env.ALERT_RELAY_RETRY_BASE_MS),
    maxDelayMs: ms('ALERT_RELAY_RETRY_MAX_MS', process.env.ALERT_RELAY_RETRY_MAX_MS),
    giveUpAfterMs: ms('ALERT_RELAY_GIVE_UP_AFTER_MS', process.env.ALERT_RELAY_GIVE_UP_AFTER_MS),
    dedupWindowMs: ms('ALERT_RELAY_DEDUP_WINDOW_MS', process.env.ALERT_RELAY_DEDUP_WINDOW_MS),
    logger: {
      info: (f, m) => log('INFO', f, m),
      warn: (f, m) => log('WARN', f, m),
      error: (f, m) => log('ERROR', f, m),
    },
  });
  await app.listen({ host, port });
  const address = app.server.address() as AddressInfo;
  log(
    'INFO',
    { host, port: address.port, receivers: receivers.map((r) => r.name), queueDir },
    'alert relay listening',
  );
  const stop = () => void app.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} catch (e) {
  const message = e instanceof RelayConfigError ? e.message : (e as Error).message;
  process.stderr.write(`alert-relay: ${message}\n`);
  process.exit(1);
}
