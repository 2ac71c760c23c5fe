// Live tailing over WebSocket: /loki/api/v1/tail?query=…&start=…&limit=…, as Loki serves it. The query is
// checked before the upgrade (a refusal is a plain HTTP answer); after it, the history is sent first,
// then each push's matching entries. A failure after the upgrade closes the socket with 1011.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ErrorLog, errorFields } from '@opsight/http-guard';
import type { WebSocketServer } from 'ws';
import type { LogStoreApi, Tail, TailBatch } from '../../api/log-store-api.js';
import { LogStoreError } from '../../api/log-store-error.js';
import { QueryError } from '../../logql/engine.js';
import type { Access } from '../access.js';
import { BadParam, parseLimit, parseTime } from '../params.js';

export const TAIL_PATH = '/loki/api/v1/tail';

/** History a tail starts with when `start` is not given: the last hour. */
const DEFAULT_HISTORY_NS = 3600n * 1_000_000_000n;
/** Most history entries without a `limit` parameter. */
const DEFAULT_LIMIT = 100;

/** The server's `upgrade` listener for live tails. */
export function tailUpgrade(
  api: LogStoreApi,
  access: Access,
  wss: WebSocketServer,
  logError: ErrorLog,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const reject = (status: number, message: string) => {
      socket.end(
        `HTTP/1.1 ${status} Error\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${message}`,
      );
    };
    if (url.pathname !== TAIL_PATH) return reject(404, 'not found');
    let tail: Tail;
    try {
      access.checkAuth(req);
      tail = api.tail(access.tenantOf(req), url.searchParams.get('query') ?? '');
    } catch (e) {
      if (e instanceof LogStoreError || e instanceof QueryError) return reject(e.status, e.message);
      if (e instanceof BadParam) return reject(400, e.message);
      logError({ message: 'tail refused', code: 'INTERNAL', path: url.pathname, ...errorFields(e) });
      return reject(500, 'internal error');
    }
    wss.handleUpgrade(req, socket, head, async (ws) => {
      // Follow from the start, holding later pushes back until the history is sent: the history query
      // lets the event loop turn, and an entry pushed meanwhile must not fall between the two.
      let held: TailBatch[] | undefined = [];
      const stop = tail.follow((streams) => {
        if (held) held.push(streams);
        else if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ streams }));
      });
      const gone = new AbortController();
      ws.on('close', () => {
        stop();
        gone.abort();
      });
      try {
        const now = BigInt(Date.now()) * 1_000_000n;
        const start = parseTime(url.searchParams.get('start'), 'start') ?? now - DEFAULT_HISTORY_NS;
        const limit = parseLimit(url.searchParams.get('limit'), DEFAULT_LIMIT);
        const history = await tail.history(start, limit, { signal: gone.signal });
        if (ws.readyState !== ws.OPEN) return;
        if (history.length > 0) ws.send(JSON.stringify({ streams: history }));
        for (const streams of held) ws.send(JSON.stringify({ streams }));
        held = undefined;
      } catch (e) {
        stop();
        if (gone.signal.aborted) return;
        const clientError = e instanceof QueryError || e instanceof BadParam || e instanceof LogStoreError;
        if (!clientError)
          logError({ message: 'tail failed', code: 'INTERNAL', path: url.pathname, ...errorFields(e) });
        ws.close(1011, clientError ? (e as Error).message.slice(0, 100) : 'internal error');
      }
    });
  };
}
