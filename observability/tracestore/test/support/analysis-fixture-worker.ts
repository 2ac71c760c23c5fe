// An analysis thread for tests: the real handler, except for trace ids with these prefixes:
// - `b10c`: waits until the file named by ANALYSIS_FIXTURE_RELEASE exists (forever without it), then analyses;
// - `dead`: the thread exits (code 7) without answering;
// - `bad0`: the analysis throws.
import { existsSync } from 'node:fs';
import { analyzeTask, serveAnalysis } from '../../src/internal/analysis/analysis-worker.js';

const pause = new Int32Array(new SharedArrayBuffer(4));

serveAnalysis((task, readers) => {
  if (task.traceId.startsWith('dead')) process.exit(7);
  if (task.traceId.startsWith('bad0')) throw new Error('a bug in the analysis');
  if (task.traceId.startsWith('b10c')) {
    const release = process.env.ANALYSIS_FIXTURE_RELEASE;
    while (!release || !existsSync(release)) Atomics.wait(pause, 0, 0, 5);
  }
  return analyzeTask(task, readers);
});
