/** The console's port when nothing else is configured (the local stack's default). */
export const DEFAULT_CONSOLE_PORT = 3000;

/** Options of a guard; every one can also come from the environment (see {@link resolveGuardPolicy}). */
export interface GuardOptions {
  /**
   * Host names answered besides loopback names and IP literals: exact names, or `.domain` for a domain
   * and every name under it. Env `OPSIGHT_ALLOWED_HOSTS` (comma-separated) is added to these.
   * @default []
   */
  allowedHosts?: readonly string[];
  /**
   * Origins (scheme://host:port) that may write and open WebSockets, besides the server's own origin.
   * Env `OPSIGHT_ALLOWED_ORIGINS` (comma-separated) is added to these.
   * @default the console's origin: http://127.0.0.1:3000, http://localhost:3000 and http://[::1]:3000
   *   (the port from env `OPSIGHT_CONSOLE_PORT` when set)
   */
  allowedOrigins?: readonly string[];
  /**
   * Media types a write (POST, PUT, PATCH, DELETE) with a body may declare: one list for every path, or
   * a function of the request path (without the query).
   * @default ['application/json']
   */
  writeContentTypes?: readonly string[] | ((path: string) => readonly string[]);
}

/** A guard's resolved rules. */
export interface GuardPolicy {
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
  writeContentTypes: (path: string) => readonly string[];
}

function list(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The console's origins on loopback for a port. */
export function consoleOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`];
}

/** Resolves options and the environment (`OPSIGHT_ALLOWED_HOSTS`, `OPSIGHT_ALLOWED_ORIGINS`, `OPSIGHT_CONSOLE_PORT`). */
export function resolveGuardPolicy(
  options: GuardOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): GuardPolicy {
  const consolePort = Number(env.OPSIGHT_CONSOLE_PORT ?? DEFAULT_CONSOLE_PORT);
  const envOrigins = list(env.OPSIGHT_ALLOWED_ORIGINS);
  const baseOrigins =
    options.allowedOrigins ??
    (Number.isInteger(consolePort) && consolePort > 0
      ? consoleOrigins(consolePort)
      : consoleOrigins(DEFAULT_CONSOLE_PORT));
  const types = options.writeContentTypes ?? ['application/json'];
  return {
    allowedHosts: [...(options.allowedHosts ?? []), ...list(env.OPSIGHT_ALLOWED_HOSTS)],
    allowedOrigins: [...baseOrigins, ...envOrigins],
    writeContentTypes: typeof types === 'function' ? types : () => types,
  };
}
