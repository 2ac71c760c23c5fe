// A decode worker: decodes push bodies (decompression, protobuf or JSON) off the main thread and sends
// the streams back. A body that cannot be decoded comes back as its PushDecodeError's code, message and
// field, so the store answers exactly as it would have decoding it itself.
import { parentPort } from 'node:worker_threads';
import { decodeAndPrepare } from './decode-body.js';
import type { DecodeReply, DecodeTask } from './decode-pool.js';
import { PushDecodeError } from './push-decode-error.js';

const port = parentPort;
if (!port) throw new Error('decode-worker runs in a worker thread');

port.on('message', (task: DecodeTask) => {
  let reply: DecodeReply;
  try {
    const { id: _id, ...push } = task;
    reply = {
      id: task.id,
      streams: decodeAndPrepare({
        ...push,
        body: Buffer.from(task.body.buffer, task.body.byteOffset, task.body.byteLength),
      }),
    };
  } catch (e) {
    reply =
      e instanceof PushDecodeError
        ? { id: task.id, error: { code: e.code, message: e.message, field: e.field } }
        : { id: task.id, failure: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(reply);
});
