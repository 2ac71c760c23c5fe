import { defineMetric } from '../metric-definition.js';

export const traceStoreSpansDroppedTotal = defineMetric({
  name: 'tracestore_spans_dropped_total',
  help: 'Spans the trace store accepted over OTLP but did not store, by reason.',
  type: 'counter',
  unit: 'spans',
  labels: ['reason'],
  source: 'service',
  note: '`reason` is `trace_too_large`: the trace already held `--max-spans-per-trace` spans (default 10,000). The sender is told in OTLP partial_success and the trace carries a Jaeger `warnings` entry.',
});

export const traceStoreStorageFull = defineMetric({
  name: 'tracestore_storage_full',
  help: '1 while the trace store cannot commit because its disk is full (SQLITE_FULL, ENOSPC), else 0.',
  type: 'gauge',
  unit: '1',
  labels: [],
  source: 'service',
  note: 'While 1, OTLP exports are answered 503 STORAGE_FULL with Retry-After (gRPC UNAVAILABLE); it returns to 0 at the first commit after space is freed.',
});
