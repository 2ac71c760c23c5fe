// A query worker: runs the queries the pool sends it, one at a time, over a read-only connection to the
// store's database (see SnapshotQueries), and answers each with its result or its error.
import { parentPort, workerData } from 'node:worker_threads';
import type { QueryReply, QueryRequest, WorkerSetup } from './messages.js';
import { flagSignal } from './shared-abort.js';
import { SnapshotQueries } from './snapshot-queries.js';
import { lowerThreadPriority } from './thread-priority.js';
import { toWire } from './wire-error.js';

const setup = workerData as WorkerSetup;
lowerThreadPriority();
const port = parentPort!;
const queries = new SnapshotQueries({
  dataDir: setup.dataDir,
  ...(setup.driver ? { driver: setup.driver } : {}),
});

port.on('message', async (req: QueryRequest) => {
  let reply: QueryReply;
  try {
    const signal = flagSignal(setup.cancel, req.id);
    const result = await queries.run(req.tenant, { ...req.params, signal }, req.limits, req.bounds);
    reply = { id: req.id, ok: true, result };
  } catch (e) {
    reply = { id: req.id, ok: false, error: toWire(e) };
  }
  port.postMessage(reply);
});
