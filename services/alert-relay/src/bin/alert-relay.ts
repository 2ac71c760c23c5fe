#!/usr/bin/env node
// The alert relay process. Configuration: ALERT_RELAY_CONFIG names a JSON file `{ "receivers": [...] }`
// (secrets come from the environment variables it names); without it, the relay keeps a local inbox only.
// ALERT_RELAY_HOST / ALERT_RELAY_PORT: where it listens (127.0.0.1:9095).
import { readFileSync } from 'node:fs';
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
  const port = Number(process.env.ALERT_RELAY_PORT ?? 9095);
  await app.listen({ host: process.env.ALERT_RELAY_HOST ?? '127.0.0.1', port });
  log('INFO', { port, receivers: receivers.map((r) => r.name) }, 'alert relay listening');
  const stop = () => void app.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} catch (e) {
  const message = e instanceof RelayConfigError ? e.message : (e as Error).message;
  process.stderr.write(`alert-relay: ${message}\n`);
  process.exit(1);
}
