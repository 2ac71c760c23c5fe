import pino from 'pino';

/** A non-blocking stdout destination that counts lines it could not write. */
export interface LogDestination {
  readonly stream: pino.DestinationStream;
  /** Waits for pending asynchronous writes (bounded by `timeoutMs`), then writes the rest synchronously. */
  flush(timeoutMs: number): Promise<void>;
}

/** Buffered bytes past which new lines are dropped (and counted) instead of growing memory. */
const MAX_BUFFER = 16 * 1024 * 1024;

export function createStdoutDestination(onFailure: (count: number) => void, fd = 1): LogDestination {
  // minLength 1 writes as soon as anything is buffered (like 0) but makes flush(cb) wait for the write.
  const stream = pino.destination({ dest: fd, sync: false, minLength: 1, maxLength: MAX_BUFFER });
  stream.on('error', () => onFailure(1));
  stream.on('drop', (data: string) => onFailure(countLines(data)));
  return {
    stream,
    flush: (timeoutMs) => flushDestination(stream, timeoutMs),
  };
}

/** Flushes any pino destination: async flush with a deadline, then a synchronous one when it has it. */
export async function flushDestination(stream: pino.DestinationStream, timeoutMs: number): Promise<void> {
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
