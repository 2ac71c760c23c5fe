import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type GuardOptions, guardRequestListener } from '@opsight/http-guard';
import { type AdminEndpoints, type AdminOptions, type AdminReply, adminError } from './admin-endpoints.js';
import { toAdminEndpoints } from './to-admin-endpoints.js';

/**
 * A node:http handler of the admin paths: false when the request is not for one (route it elsewhere),
 * else a promise of true once the answer is written (it never rejects), so that `await handle(req, res)`
 * tells both cases apart.
 */
export type AdminRequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<true> | false;

function pathOf(url: string | undefined): string {
  return (url ?? '/').split('?')[0] ?? '/';
}

function send(req: IncomingMessage, res: ServerResponse, out: AdminReply): void {
  res.writeHead(out.status, { ...out.headers, 'content-length': Buffer.byteLength(out.body) });
  res.end(req.method === 'HEAD' ? undefined : out.body);
}

/**
 * The admin paths on a component's own node:http server: call it first in the request listener, and go
 * on with the component's routes when it returns false. Put the server behind `guardRequestListener` of
 * `@opsight/http-guard`, as every Opsight server is.
 */
export function adminRequestHandler(admin: AdminEndpoints | AdminOptions): AdminRequestHandler {
  const endpoints = toAdminEndpoints(admin);
  return (req, res) => {
    const path = pathOf(req.url);
    if (!endpoints.serves(path)) return false;
    return endpoints.respond(req.method ?? 'GET', path, req.headers.accept).then((out) => {
      if (out) send(req, res, out);
      return true as const;
    });
  };
}

/** Where a dedicated admin port listens. */
export interface AdminListenOptions {
  /** Port; 0 for any free port. */
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
  /**
   * The browser-safety guard's options (allowed Hosts and Origins).
   * @default the guard's defaults and its environment (OPSIGHT_ALLOWED_HOSTS, OPSIGHT_ALLOWED_ORIGINS)
   */
  guard?: GuardOptions;
}

/** A running admin port. */
export interface AdminServer {
  /** The endpoints it serves. */
  readonly endpoints: AdminEndpoints;
  /** The address bound. */
  readonly host: string;
  /** The port bound (the chosen one when asked for 0). */
  readonly port: number;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

/**
 * Starts a dedicated admin port (a metrics port): the admin paths behind the browser-safety guard, any
 * other method 405 and any other path 404, each with a JSON body naming a stable code.
 */
export async function startAdminServer(
  admin: AdminEndpoints | AdminOptions,
  listen: AdminListenOptions,
): Promise<AdminServer> {
  const endpoints = toAdminEndpoints(admin);
  const handle = adminRequestHandler(endpoints);
  const server = createServer(
    guardRequestListener((req, res) => {
      if (handle(req, res)) return;
      const method = (req.method ?? 'GET').toUpperCase();
      const path = pathOf(req.url);
      req.resume();
      send(
        req,
        res,
        method === 'GET' || method === 'HEAD'
          ? endpoints.notFound(path)
          : adminError(
              405,
              'METHOD_NOT_ALLOWED',
              'method',
              `${method} ${path}: only GET and HEAD are served`,
            ),
      );
    }, listen.guard),
  );
  const host = listen.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    endpoints,
    host: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
