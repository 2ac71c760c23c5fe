// A signal that aborts when the client goes away before its answer is complete (the connection closed
// under the response), so the work behind the answer can be stopped.
import type { ServerResponse } from 'node:http';

export function clientGone(res: ServerResponse): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  return gone.signal;
}
