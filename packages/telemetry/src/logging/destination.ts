import pino from 'pino';

/** A non-blocking stdout destination that counts lines it could not write. */
export interface LogDestination {
  readonly stream: pino.DestinationStream;
  /** Waits for pending asynchronous writes (bounded by `timeoutMs`), then writes the rest synchronously. */
  flush(timeoutMs: number): Promise<void>;
}

/** Buffered bytes past which new lines are dropped (and counted) instead of growing memory. */
const MAX_BUFFER = 16 * 1024 * 1024;
/** Lines are written in batches of this many bytes, or after FLUSH_INTERVAL_MS, whichever comes first. */
const BATCH_BYTES = 4096;
const FLUSH_INTERVAL_MS = 100;

export function createStdoutDestination(onFailure: (count: number) => void, fd = 1): LogDestination {
  // One write per batch instead of one per line keeps the request path cheap; the periodic flush bounds
  // how long a line can wait, and shutdown() / process exit flush the rest.
  const stream = pino.destination({
    dest: fd,
    sync: false,
    minLength: BATCH_BYTES,
    maxLength: MAX_BUFFER,
    periodicFlush: FLUSH_INTERVAL_MS,
  });
  let broken = false;
  stream.on('error', () => {
    broken = true;
    onFailure(1);
  });
  stream.on('drop', (data: string) => onFailure(countLines(data)));
  return {
    stream,
    // After a write error, sonic-boom's synchronous flush would retry forever: skip it then.
    flush: (timeoutMs) => flushDestination(stream, timeoutMs, () => !broken),
  };
}

/** Flushes any pino destination: async flush with a deadline, then a synchronous one when it has it. */
export async function flushDestination(
  stream: pino.DestinationStream,
  timeoutMs: number,
  syncFallback: () => boolean = () => true,
): Promise<void> {
  const boom = stream as pino.DestinationStream & {
    flush?: (cb?: (err?: Error) => void) => void;
    flushSync?: () => void;
  };
  if (typeof boom.flush === 'function') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      try {
        boom.flush?.(() => {
          clearTimeout(timer);
          resolve();
        });
      } catch {
        clearTimeout(timer);
        resolve();
      }
    });
  }
  if (!syncFallback()) return;
  try {
    boom.flushSync?.();
  } catch {
    // Not ready or already closed: nothing left that can be written.
  }
}

function countLines(data: string): number {
  let n = 0;
  for (let i = data.indexOf('\n'); i !== -1; i = data.indexOf('\n', i + 1)) n++;
  return Math.max(n, 1);
}
