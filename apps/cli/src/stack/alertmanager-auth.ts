import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import type { StackContext } from './context.js';

/**
 * Alertmanager 0.25 answers every origin with `Access-Control-Allow-Origin: *` and has no setting to
 * change it, so a web page could create silences on the local one. Locally it therefore runs with basic
 * auth (`--web.config.file`): every path, `/-/ready` and `/metrics` included, wants the user
 * {@link ALERTMANAGER_USER} and the password in var/secrets/alertmanager; a browser's preflight gets 401
 * and no CORS headers. Prometheus, the console, the readiness probe and the tests send the credentials.
 */
export const ALERTMANAGER_USER = 'opsight';

/** Name of Alertmanager's password file in the secrets directory. */
export const ALERTMANAGER_SECRET = 'alertmanager';

/** The password file (Prometheus's and the console's `password_file`). */
export function alertmanagerPasswordFile(ctx: StackContext): string {
  return join(ctx.paths.secrets, ALERTMANAGER_SECRET);
}

/** The `Authorization` header for Alertmanager (the readiness probe's). */
export function alertmanagerAuthorization(ctx: StackContext): string {
  return `Basic ${Buffer.from(`${ALERTMANAGER_USER}:${ctx.secrets.alertmanager}`).toString('base64')}`;
}

/**
 * Alertmanager's web configuration (exporter-toolkit format): one user with the bcrypt hash of the stack's
 * Alertmanager password. Cost 10: Alertmanager caches a checked password, so the cost is paid once.
 */
export function renderAlertmanagerWebConfig(ctx: StackContext): string {
  const hash = bcrypt.hashSync(ctx.secrets.alertmanager, 10);
  return `# Rendered by opsight up — do not edit. Alertmanager's --web.config.file: basic auth on every path
# (Alertmanager answers every origin with CORS headers; the password keeps web pages out). The password
# is in var/secrets/${ALERTMANAGER_SECRET}, user ${ALERTMANAGER_USER}.
basic_auth_users:
  ${ALERTMANAGER_USER}: ${JSON.stringify(hash)}
`;
}
