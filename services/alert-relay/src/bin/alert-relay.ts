#!/usr/bin/env node
// The alert relay process. Configuration: ALERT_RELAY_CONFIG names a JSON file `{ "receivers": [...] }`
// (secrets come from the environment variables it names); without it, the relay keeps a local inbox only.
// Listens on `--listen host:port` (compose and Kubernetes: 0.0.0.0:9096), else ALERT_RELAY_HOST and
// ALERT_RELAY_PORT (127.0.0.1:9096, the local stack's port).
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { RelayConfigError, resolveReceivers } from '../config.js';
import { buildRelay } from '../relay.js';

const log = (level: string, fields: object, message: string) =>
  process.stdout.write(
    `${JSON.stringify({ timestamp: new Date().toISOString(), level, service: 'alert-relay', message, ...fields })}\n`,
  );

try {
  const file = process.env.ALERT_RELAY_CONFIG;
  const config = file
    ? JSON.parse(readFileSync(file, 'utf8'))
    : { receivers: [{ name: 'inbox', type: 'inbox' }] };
  const receivers = resolveReceivers(config);
  const app = buildRelay({
    receivers,
    logger: {
      info: (f, m) => log('INFO', f, m),
      warn: (f, m) => log('WARN', f, m),
      error: (f, m) => log('ERROR', f, m),
    },
  });
  const flag = process.argv.indexOf('--listen');
  const listen = flag >= 0 ? process.argv[flag + 1] : undefined;
  const match = listen === undefined ? undefined : /^(.+):(\d+)$/.exec(listen);
  if (listen !== undefined && !match) throw new Error(`--listen ${listen ?? ''}: expected host:port`);
  const host = match?.[1] ?? process.env.ALERT_RELAY_HOST ?? '127.0.0.1';
  const port = Number(match?.[2] ?? process.env.ALERT_RELAY_PORT ?? 9096);
  await app.listen({ host, port });
  const address = app.server.address() as AddressInfo;
  log('INFO', { host, port: address.port, receivers: receivers.map((r) => r.name) }, 'alert relay listening');
  const stop = () => void app.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} catch (e) {
  const message = e instanceof RelayConfigError ? e.message : (e as Error).message;
  process.stderr.write(`alert-relay: ${message}\n`);
  process.exit(1);
}
