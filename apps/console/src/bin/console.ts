#!/usr/bin/env node
// opsight-console: serves the local console.
//
//   node apps/console/dist/src/bin/console.js [--listen 127.0.0.1:3000] [--prometheus URL]
//     [--loki URL] [--jaeger URL] [--alertmanager URL] [--relay URL]
//     [--tenant NAME] [--store-token-file PATH] [--alertmanager-user NAME --alertmanager-password-file PATH]
//
// --tenant (or OPSIGHT_CONSOLE_TENANT) is the X-Scope-OrgID the console sends to the log and trace
// stores; the browser cannot choose another. --store-token-file (or OPSIGHT_CONSOLE_STORE_TOKEN_FILE)
// holds the bearer token for those stores, re-read when the file changes. --alertmanager-password-file
// (or OPSIGHT_CONSOLE_ALERTMANAGER_PASSWORD_FILE) holds Alertmanager's basic-auth password for the user
// --alertmanager-user (default opsight), re-read when the file changes.
//
// Prints one line "console listening on <url>" when ready; GET /ready answers 200 from then on.
import type { StoreCredentials } from '../internal/store-credentials.js';
import type { Upstreams } from '../internal/upstreams.js';
import { startConsole } from '../server.js';

function usage(message: string): never {
  process.stderr.write(`console: ${message}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let listen = '127.0.0.1:3000';
const upstreams: Partial<Upstreams> = {};
let alertmanagerUser = 'opsight';
let alertmanagerPasswordFile = process.env.OPSIGHT_CONSOLE_ALERTMANAGER_PASSWORD_FILE || undefined;
const stores: StoreCredentials = {
  tenant: process.env.OPSIGHT_CONSOLE_TENANT || undefined,
  tokenFile: process.env.OPSIGHT_CONSOLE_STORE_TOKEN_FILE || undefined,
};
for (let i = 0; i < args.length; i++) {
  const a = args[i] as string;
  const value = args[++i] ?? usage(`${a} needs a value`);
  if (a === '--listen') listen = value;
  else if (a === '--tenant') stores.tenant = value;
  else if (a === '--store-token-file') stores.tokenFile = value;
  else if (a === '--alertmanager-user') alertmanagerUser = value;
  else if (a === '--alertmanager-password-file') alertmanagerPasswordFile = value;
  else if (['--prometheus', '--loki', '--jaeger', '--alertmanager', '--relay'].includes(a)) {
    if (!/^https?:\/\/[^/]+/.test(value)) usage(`${a} must be an http(s) URL, got ${JSON.stringify(value)}`);
    upstreams[a.slice(2) as keyof Upstreams] = value;
  } else usage(`unknown option ${a}`);
}
const at = listen.lastIndexOf(':');
const port = Number(listen.slice(at + 1));
if (at < 1 || !Number.isInteger(port) || port < 0 || port > 65535)
  usage(`--listen must be host:port, got ${listen}`);
const host = listen.slice(0, at).replace(/^\[|\]$/g, '');

try {
  const alertmanager = alertmanagerPasswordFile
    ? { username: alertmanagerUser, passwordFile: alertmanagerPasswordFile }
    : undefined;
  const running = await startConsole({ host, port, upstreams, stores, alertmanager });
  console.log(`console listening on ${running.url}`);
  const stop = () => void running.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE') usage(`${listen} is already in use`);
  if (/not a valid X-Scope-OrgID/.test(e.message)) usage(e.message);
  throw err;
}
