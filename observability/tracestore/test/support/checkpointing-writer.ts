// A process that stores 50-span traces in a span store whose WAL is checkpointed on its thread every 500
// spans, and prints each trace id on stdout once its ingest returned (acknowledged), then `checkpoints N`
// lines as the thread completes them: the parent kills it with SIGKILL and checks what survived.
import { decodeExportRequest } from '../../src/internal/otlp/ingest-batch.js';
import { defaultSpanLimits } from '../../src/internal/otlp/validate-span.js';
import { SpanStore } from '../../src/internal/storage/span-store.js';
import { hexId, otlpProtobufRequest } from './otlp-request.js';

const store = new SpanStore({ dataDir: process.argv[2]!, checkpoints: 'thread', checkpointEverySpans: 500 });
let reported = 0;
const next = (): void => {
  const traceId = hexId(16);
  const spans = Array.from({ length: 50 }, (_, i) => ({ traceId, spanId: hexId(8), name: `op-${i}` }));
  store.ingest(decodeExportRequest(otlpProtobufRequest(spans), defaultSpanLimits));
  process.stdout.write(`${traceId}\n`);
  const done = store.checkpointer?.stats.checkpoints ?? 0;
  if (done > reported) {
    reported = done;
    process.stdout.write(`checkpoints ${done}\n`);
  }
  setImmediate(next);
};
next();
