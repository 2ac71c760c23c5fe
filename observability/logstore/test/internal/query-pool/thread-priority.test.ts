// A query worker's thread runs at a lower priority than the store's main thread (Linux).
import assert from 'node:assert/strict';
import { getPriority } from 'node:os';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { QUERY_WORKER_NICE, threadId } from '../../../src/internal/query-pool/thread-priority.js';

test('lowerThreadPriority nices the calling worker thread only', {
  skip: threadId() === undefined ? 'no /proc/thread-self' : false,
}, async () => {
  const before = getPriority();
  const code = `
    const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(new URL('../../../src/internal/query-pool/thread-priority.js', import.meta.url).href)}).then((m) => {
      const nice = m.lowerThreadPriority();
      parentPort.postMessage({ nice, tid: m.threadId() });
    });
  `;
  const worker = new Worker(code, { eval: true });
  const [reply] = (await new Promise((resolve, reject) => {
    worker.once('message', (m) => resolve([m]));
    worker.once('error', reject);
  })) as [{ nice: number; tid: number }];
  await worker.terminate();
  assert.notEqual(reply.tid, process.pid);
  assert.equal(reply.nice, Math.min(19, before + QUERY_WORKER_NICE));
  assert.equal(getPriority(), before, "the process's main thread keeps its priority");
});
