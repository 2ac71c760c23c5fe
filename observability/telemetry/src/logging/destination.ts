import type pino from 'pino';
import { LineWriter } from './line-writer.js';

/** A non-blocking stdout destination that counts lines it could not write. */
export interface LogDestination {
  readonly stream: LineWriter;
  /** Waits for pending asynchronous writes (bounded by `timeoutMs`), then writes the rest synchronously. */
  flush(timeoutMs: number): Promise<void>;
}

export function createStdoutDestination(onFailure: (count: number) => void, fd = 1): LogDestination {
  // One write per batch instead of one per line keeps the request path cheap; the periodic write bounds
  // how long a line can wait, and shutdown() / process exit write the rest.
  const stream = new LineWriter({ fd, onFailure });
  return { stream, flush: (timeoutMs) => flushDestination(stream, timeoutMs) };
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
