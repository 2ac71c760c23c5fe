import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { checkLogQL, checkPromQL, DASHBOARDS, renderDashboards } from '@opsight/dashboards';
import { guardRequestListener } from '@opsight/http-guard';
import { adminRequestHandler } from '@opsight/telemetry/admin';
import { type AlertmanagerCredentials, alertmanagerHeaders } from './internal/alertmanager-credentials.js';
import { CONSOLE_ERRORS, type ConsoleErrorCode, errorBody } from './internal/errors.js';
import { setSecurityHeaders } from './internal/security-headers.js';
import { readStatic } from './internal/static-files.js';
import { type StoreCredentials, storeHeaders } from './internal/store-credentials.js';
import {
  DEFAULT_UPSTREAMS,
  LOG_RULER_ENDPOINT,
  LOG_RULER_PATH,
  UPSTREAM_PATHS,
  type Upstreams,
} from './internal/upstreams.js';

/** Options of {@link startConsole}. */
export interface ConsoleOptions {
  /** Address to listen on. @default '127.0.0.1' */
  host?: string;
  /** Port to listen on; 0 picks a free one. @default 3000 */
  port?: number;
  /** Engines to proxy to. @default {@link DEFAULT_UPSTREAMS} */
  upstreams?: Partial<Upstreams>;
  /** How long a proxied request may take. @default 30000 */
  upstreamTimeoutMs?: number;
  /** Largest request body accepted for a proxied POST. @default 1048576 */
  maxBodyBytes?: number;
  /**
   * Tenant and token the console sends to the log and trace stores (never the browser's).
   * @default {} (no tenant header, no token)
   */
  stores?: StoreCredentials;
  /**
   * Basic-auth user and password file for Alertmanager (the local stack runs it behind basic auth).
   * @default none (no Authorization header)
   */
  alertmanager?: AlertmanagerCredentials;
}

/** A running console. */
export interface RunningConsole {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Query endpoints that accept a POSTed form, on Prometheus and on Loki. */
const QUERY_ENDPOINT = /^(query|query_range|series|labels|query_exemplars)(\?|$)/;

const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

function sendError(
  res: ServerResponse,
  code: ConsoleErrorCode,
  message: string,
  extra?: Record<string, string>,
) {
  if (res.headersSent) return void res.destroy();
  res.writeHead(CONSOLE_ERRORS[code], { 'content-type': 'application/json' });
  res.end(errorBody(code, message, extra));
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Starts the console: the front end (plain ES modules from `public/`), the generated dashboards, query
 * syntax checks, and one proxy per engine under `/api/<engine>/`.
 */
export async function startConsole(options: ConsoleOptions = {}): Promise<RunningConsole> {
  const upstreams: Upstreams = { ...DEFAULT_UPSTREAMS, ...options.upstreams };
  const timeoutMs = options.upstreamTimeoutMs ?? 30_000;
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const credentials = storeHeaders(options.stores ?? {});
  const alertmanagerAuth = alertmanagerHeaders(options.alertmanager);
  const dashboards = new Map(
    renderDashboards().map((f) => {
      const model = JSON.parse(f.text) as { uid: string };
      return [model.uid, f.text] as const;
    }),
  );
  const index = DASHBOARDS.map((d) => ({ uid: d.uid, title: d.title, description: d.description }));

  async function proxy(
    req: IncomingMessage,
    res: ServerResponse,
    name: keyof Upstreams,
    rest: string,
    path = UPSTREAM_PATHS[name],
  ) {
    const base = upstreams[name];
    if (!base) return sendError(res, 'NOT_FOUND', `no ${name} is configured`, { upstream: name });
    // Read-only: GET anywhere, POST only where the engine takes a query as a form (long queries).
    const postable =
      (name === 'prometheus' || name === 'loki') &&
      path === UPSTREAM_PATHS[name] &&
      QUERY_ENDPOINT.test(rest);
    if (req.method !== 'GET' && !(req.method === 'POST' && postable))
      return sendError(res, 'METHOD_NOT_ALLOWED', `${req.method} is not proxied here`, { field: 'method' });
    const body = req.method === 'POST' ? await readBody(req, maxBody) : undefined;
    if (body === 'too-large')
      return sendError(res, 'REQUEST_BODY_TOO_LARGE', `request body over ${maxBody} bytes`, {
        field: 'body',
      });
    const target = new URL(base.replace(/\/$/, '') + path + rest);
    // Only these two headers of the browser's request go on; the tenant and the token are the console's
    // own (to the stores only), so a page cannot pick another tenant by sending X-Scope-OrgID.
    const headers: Record<string, string> = {};
    for (const h of ['content-type', 'accept']) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    if (name === 'loki' || name === 'jaeger') Object.assign(headers, await credentials());
    // Alertmanager's basic auth is the console's own too (the browser's Authorization is not forwarded).
    if (name === 'alertmanager') Object.assign(headers, await alertmanagerAuth());
    let upstream: Response;
    try {
      upstream = await fetch(target, {
        method: req.method,
        headers,
        body: body && body.length > 0 ? body : undefined,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual',
      });
    } catch (err) {
      const timeout = (err as Error).name === 'TimeoutError';
      return sendError(
        res,
        timeout ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE',
        `${name} at ${base}: ${timeout ? `no answer in ${timeoutMs} ms` : (err as Error).message}`,
        { upstream: name },
      );
    }
    const out: Record<string, string> = { 'cache-control': 'no-store' };
    const type = upstream.headers.get('content-type');
    if (type) out['content-type'] = type;
    res.writeHead(upstream.status, out);
    if (!upstream.body) return void res.end();
    Readable.fromWeb(upstream.body as import('node:stream/web').ReadableStream)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  const host = options.host ?? '127.0.0.1';

  // Probes only (the console has no metrics); /ready as the supervisor and older probes ask for it.
  const admin = adminRequestHandler({ metrics: null, routes: { '/ready': 'ready' } });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://console');
    const path = url.pathname;
    if (await admin(req, res)) return;
    const proxied = /^\/api\/(prometheus|loki|jaeger|alertmanager|relay)\/(.*)$/.exec(path);
    if (proxied) return proxy(req, res, proxied[1] as keyof Upstreams, proxied[2] + url.search);
    // The log store's ruler, in the Prometheus format: its rules and alerts only.
    const ruler = /^\/api\/loki-ruler\/(.*)$/.exec(path);
    if (ruler) {
      if (!LOG_RULER_ENDPOINT.test(ruler[1] ?? ''))
        return sendError(res, 'NOT_FOUND', `no route ${path}`, { field: 'path' });
      return proxy(req, res, 'loki', (ruler[1] ?? '') + url.search, LOG_RULER_PATH);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendError(res, 'METHOD_NOT_ALLOWED', `${req.method} ${path}`, { field: 'method' });
    if (path === '/api/config') {
      return sendJson(res, 200, { relay: Boolean(upstreams.relay) });
    }
    if (path === '/api/dashboards') return sendJson(res, 200, index);
    const dash = /^\/api\/dashboards\/([A-Za-z0-9_-]+)$/.exec(path);
    if (dash) {
      const text = dashboards.get(dash[1] ?? '');
      if (!text) return sendError(res, 'NOT_FOUND', `no dashboard ${dash[1]}`, { field: 'uid' });
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(text);
    }
    const check = /^\/api\/check\/(logql|promql)$/.exec(path);
    if (check) {
      const query = url.searchParams.get('query');
      if (query === null)
        return sendError(res, 'BAD_QUERY_PARAMETER', 'query is required', { field: 'query' });
      const error = check[1] === 'logql' ? checkLogQL(query) : checkPromQL(query);
      return sendJson(res, 200, { error: error ?? null });
    }
    if (path.startsWith('/api/')) return sendError(res, 'NOT_FOUND', `no route ${path}`, { field: 'path' });
    const file = await readStatic(
      PUBLIC_DIR,
      path === '/' || !path.includes('.') ? 'index.html' : path.slice(1),
    );
    if (!file) return sendError(res, 'NOT_FOUND', `no file ${path}`, { field: 'path' });
    res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  }

  // Only loopback names, IP literals and configured names are answered (a page elsewhere that rebinds
  // its own DNS name to 127.0.0.1 cannot read the engines through the console); POSTed queries come from
  // the console's own pages, as a form or JSON: @opsight/http-guard. The security headers go on every
  // answer, the guard's refusals included.
  const guard = { writeContentTypes: ['application/x-www-form-urlencoded', 'application/json'] };
  const guarded = guardRequestListener((req, res) => {
    handle(req, res).catch((err: Error) => {
      // The details go to the console's log, never to the page.
      process.stderr.write(
        `${JSON.stringify({ timestamp: new Date().toISOString(), level: 'ERROR', service: 'console', message: 'request failed', path: req.url, error: err.message })}\n`,
      );
      if (!res.headersSent) sendError(res, 'INTERNAL_ERROR', 'internal error');
      else res.destroy();
    });
  }, guard);
  const server = createServer((req, res) => {
    setSecurityHeaders(res);
    guarded(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
