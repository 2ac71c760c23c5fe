// Cancellation across the thread boundary: the main thread writes the id of the query to stop into a
// shared Int32Array, and the query's AbortSignal in the worker reads it each time its `aborted` is read.
// The engine reads `aborted` in its inner loops (every 1024 lines) and at each checkpoint, so the stop is
// seen within those checks, with no turn of the worker's event loop needed.

/** A flag word over shared memory: the id of the query the main thread wants stopped (0: none). */
export type CancelFlag = Int32Array;

/** A flag word over a new SharedArrayBuffer. */
export function newCancelFlag(): CancelFlag {
  return new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
}

/** Asks the query `id` to stop (main thread). */
export function requestCancel(flag: CancelFlag, id: number): void {
  Atomics.store(flag, 0, id);
}

const abortedOf = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;

/**
 * An AbortSignal of the query `id` (worker): it aborts once `aborted` is read after the main thread asked
 * for `id` to stop, and from then on behaves as any aborted signal (its listeners run, throwIfAborted
 * throws).
 */
export function flagSignal(flag: CancelFlag, id: number): AbortSignal {
  const controller = new AbortController();
  const signal = controller.signal;
  Object.defineProperty(signal, 'aborted', {
    get: () => {
      if (!abortedOf.call(signal) && Atomics.load(flag, 0) === id) controller.abort();
      return abortedOf.call(signal) as boolean;
    },
  });
  return signal;
}
