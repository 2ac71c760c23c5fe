// A query worker for tests: the store's own, except that each stream read of a metric query takes 10 ms of
// the worker's thread (as a large scan does) and is reported on the BroadcastChannel `slow-worker-reads`,
// a query naming {app="crash"} makes the worker fail with an uncaught error, and one naming {app="stuck"}
// holds the thread without ever checking for a stop.
import { BroadcastChannel, parentPort } from 'node:worker_threads';
import { LogStorage } from '../../../src/internal/storage/log-storage.js';
import { READ_MS, READS_CHANNEL } from './slow-worker-channel.js';

function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

const reads = new BroadcastChannel(READS_CHANNEL);
const forEachInRange = LogStorage.prototype.forEachInRange;
LogStorage.prototype.forEachInRange = function (this: LogStorage, ...args) {
  spin(READ_MS);
  reads.postMessage(1);
  return forEachInRange.apply(this, args);
};

parentPort?.on('message', (req: { params: { query: string } }) => {
  if (req.params.query.includes('"crash"')) throw new Error('the worker crashed');
  if (req.params.query.includes('"stuck"')) for (;;) spin(1000);
});

await import('../../../src/internal/query-pool/query-worker.js');
