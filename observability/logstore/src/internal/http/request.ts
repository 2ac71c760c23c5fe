// Reading a request (its body within the size limit, its parameters) and writing a JSON answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LogStoreError } from '../api/log-store-error.js';

/**
 * The body, refused with 413 REQUEST_BODY_TOO_LARGE as soon as it passes `maxBytes`: buffering stops at
 * once, and the rest is not read.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        req.off('data', onData);
        chunks.length = 0;
        req.pause();
        reject(new LogStoreError('REQUEST_BODY_TOO_LARGE', `request body too large: over ${maxBytes} bytes`));
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The query string's parameters, and on POST those of a form body, as Loki reads them. */
export async function formParams(req: IncomingMessage, url: URL, maxBytes: number): Promise<URLSearchParams> {
  const p = new URLSearchParams(url.searchParams);
  if (req.method === 'POST') {
    const ct = (req.headers['content-type'] ?? '').toLowerCase();
    const body = await readBody(req, maxBytes);
    if (ct.startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) p.append(k, v);
    }
  }
  return p;
}

/** Writes a JSON answer with its length. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * Aborted when the client goes away before its answer is complete (the connection closed under the
 * response): the work for the request can stop.
 */
export function clientGone(res: ServerResponse): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  return gone.signal;
}
