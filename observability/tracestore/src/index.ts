export type { ErrorLog } from '@opsight/http-guard';
export type { CriticalPathSegment } from './internal/analysis/critical-path.js';
export { criticalPath } from './internal/analysis/critical-path.js';
export type { ServiceEdge } from './internal/analysis/service-graph.js';
export { serviceGraph } from './internal/analysis/service-graph.js';
export type { SpanTree, TreeNode, TreeSpanInput } from './internal/analysis/span-tree.js';
export { buildSpanTree } from './internal/analysis/span-tree.js';
export type { AnalyzedSpan, TraceAnalysis } from './internal/analysis/trace-analysis.js';
export { analyzeTrace } from './internal/analysis/trace-analysis.js';
export type { ErrorCode } from './internal/error-codes.js';
export { errorCatalogue, TraceStoreError } from './internal/error-codes.js';
export { spanMetricsBuckets } from './internal/metrics/span-metrics.js';
export type { SpanLimits } from './internal/otlp/validate-span.js';
export { defaultSpanLimits } from './internal/otlp/validate-span.js';
export type { DecodedTrace } from './internal/query/decoded-trace.js';
export { decodeTrace } from './internal/query/decoded-trace.js';
export type { JaegerSpan, JaegerTrace } from './internal/query/jaeger-json.js';
export { jaegerTrace } from './internal/query/jaeger-json.js';
export { tracesDataJson } from './internal/query/otlp-json.js';
export type {
  Dependency,
  RetentionOptions,
  SpanStoreOptions,
  StoredTrace,
  TraceQuery,
} from './internal/storage/span-store.js';
export { SpanStore } from './internal/storage/span-store.js';
export type { BoundAddresses, TraceStoreServerOptions } from './internal/trace-store-server.js';
export { TraceStoreServer } from './internal/trace-store-server.js';
