// Batched, parallel ingest: push bodies are decoded (gzip/zstd/snappy, protobuf, JSON, OTLP) by a pool of
// worker threads, so the main thread spends its time validating and writing, and several pushes decode at
// once on other cores while a transaction is being written.
//
// A small body (under `inlineBelowBytes`) is decoded on the calling thread: the hop to a worker and back
// would cost more than decoding it. A larger one goes to the worker with the fewest tasks in flight. The body's memory moves to the worker
// (transferred, not copied, when the Buffer owns its whole ArrayBuffer). A worker that dies fails its
// tasks with an Error (the push gets 500, nothing of it is stored) and is replaced for the next ones.
// Workers hold the event loop open only while they have work, so an idle pool never keeps a process up.
import { Worker } from 'node:worker_threads';
import type { ErrorCode } from '../error-codes.js';
import { decodeBody, type EncodedPush } from './decode-body.js';
import type { RawStream } from './decode-push.js';
import { PushDecodeError } from './push-decode-error.js';

/** A body to decode, as sent to a worker. */
export interface DecodeTask extends Omit<EncodedPush, 'body'> {
  id: number;
  body: Uint8Array;
}

/** A worker's answer: the streams, a PushDecodeError's parts, or an unexpected failure's stack. */
export type DecodeReply =
  | { id: number; streams: RawStream[] }
  | { id: number; error: { code: ErrorCode; message: string; field: string | undefined } }
  | { id: number; failure: string };

interface Slot {
  worker: Worker;
  inFlight: Map<number, { resolve: (s: RawStream[]) => void; reject: (e: Error) => void }>;
}

const workerFile = new URL('./decode-worker.js', import.meta.url);

/** Options of {@link DecodePool}. */
export interface DecodePoolOptions {
  /** Bodies smaller than this (bytes, as received) are decoded on the calling thread. @default 16384 */
  inlineBelowBytes?: number;
}

export class DecodePool {
  private readonly slots: Array<Slot | undefined>;
  private readonly inlineBelowBytes: number;
  private nextId = 1;
  private closed = false;

  /** `size` workers, started on first use; 0 decodes everything on the calling thread. */
  constructor(
    readonly size: number,
    options: DecodePoolOptions = {},
  ) {
    this.slots = Array.from({ length: Math.max(0, size) }, () => undefined);
    this.inlineBelowBytes = options.inlineBelowBytes ?? 16 * 1024;
  }

  /** Decodes a body; rejects with PushDecodeError for a body that cannot be decoded. */
  decode(push: EncodedPush): Promise<RawStream[]> {
    if (this.slots.length === 0 || this.closed || push.body.length < this.inlineBelowBytes) {
      try {
        return Promise.resolve(decodeBody(push));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const slot = this.pick();
    const id = this.nextId++;
    const { body, ...rest } = push;
    const owned = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
    const bytes = owned ? new Uint8Array(body.buffer, 0, body.byteLength) : new Uint8Array(body);
    const task: DecodeTask = { ...rest, id, body: bytes };
    return new Promise((resolve, reject) => {
      slot.inFlight.set(id, { resolve, reject });
      if (slot.inFlight.size === 1) slot.worker.ref();
      slot.worker.postMessage(task, [bytes.buffer as ArrayBuffer]);
    });
  }

  /** Stops the workers; tasks in flight fail. */
  async close(): Promise<void> {
    this.closed = true;
    const running = this.slots.filter((s): s is Slot => s !== undefined);
    this.slots.fill(undefined);
    await Promise.all(running.map((s) => s.worker.terminate()));
  }

  /** The started slot with the fewest tasks in flight, or a new one where a slot is free. */
  private pick(): Slot {
    let best: Slot | undefined;
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i];
      if (!s) {
        const started = this.start(i);
        return started;
      }
      if (s.inFlight.size === 0) return s;
      if (!best || s.inFlight.size < best.inFlight.size) best = s;
    }
    return best!;
  }

  private start(i: number): Slot {
    const worker = new Worker(workerFile);
    worker.unref();
    const slot: Slot = { worker, inFlight: new Map() };
    this.slots[i] = slot;
    worker.on('message', (reply: DecodeReply) => {
      const task = slot.inFlight.get(reply.id);
      if (!task) return;
      slot.inFlight.delete(reply.id);
      if (slot.inFlight.size === 0) worker.unref();
      if ('streams' in reply) task.resolve(reply.streams);
      else if ('error' in reply)
        task.reject(new PushDecodeError(reply.error.code, reply.error.message, reply.error.field));
      else task.reject(new Error(`push decode failed in a worker: ${reply.failure}`));
    });
    const fail = (why: string) => {
      if (this.slots[i] === slot) this.slots[i] = undefined;
      for (const t of slot.inFlight.values()) t.reject(new Error(`push decode worker ${why}`));
      slot.inFlight.clear();
    };
    worker.on('error', (e) => fail(`failed: ${e.message}`));
    worker.on('exit', (code) => fail(`exited (${code})`));
    return slot;
  }
}
