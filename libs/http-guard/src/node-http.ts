import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { checkRequest, checkUpgrade } from './check-request.js';
import { type GuardOptions, resolveGuardPolicy } from './guard-policy.js';
import { type Refusal, refusalBody } from './refusal.js';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Answers a refusal on a node:http response; the request body is never read. */
export function sendRefusal(res: ServerResponse, r: Refusal): void {
  res.writeHead(r.status, { 'content-type': 'application/json', connection: 'close' });
  res.end(refusalBody(r));
}

/**
 * Wraps a node:http request listener: a refused request is answered by the guard, the listener never
 * sees it (nor its body).
 */
export function guardRequestListener(listener: RequestListener, options?: GuardOptions): RequestListener {
  const policy = resolveGuardPolicy(options);
  return (req, res) => {
    const r = checkRequest(policy, req);
    if (r) return sendRefusal(res, r);
    listener(req, res);
  };
}

/**
 * Wraps a node:http `upgrade` listener: a refused upgrade is answered with a plain HTTP error and the
 * socket closed before any handshake.
 */
export function guardUpgradeListener(listener: UpgradeListener, options?: GuardOptions): UpgradeListener {
  const policy = resolveGuardPolicy(options);
  return (req, socket, head) => {
    const r = checkUpgrade(policy, req);
    if (!r) return listener(req, socket, head);
    const body = refusalBody(r);
    socket.end(
      `HTTP/1.1 ${r.status} ${r.status === 421 ? 'Misdirected Request' : 'Forbidden'}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  };
}
