export type { OtelEnvConfig } from './config/otel-env.js';
export { readOtelEnv } from './config/otel-env.js';
export { TelemetryConfigError } from './config/telemetry-config-error.js';
export type { RequestContext } from './context/request-context.js';
export {
  currentRequestId,
  currentTraceId,
  getRequestContext,
  setRoute,
  setUserId,
} from './context/request-context.js';
export { grpcClientInterceptor } from './grpc/client-interceptor.js';
export { grpcServerInterceptor } from './grpc/server-interceptor.js';
export type { FastifyTelemetryOptions } from './http/fastify-plugin.js';
export { fastifyTelemetry } from './http/fastify-plugin.js';
export { instrumentFetch } from './http/fetch-instrumentation.js';
export type { NodeHttpHandler, NodeHttpTelemetryOptions } from './http/node-http.js';
export { instrumentHttpHandler } from './http/node-http.js';
export type {
  InferenceRecord,
  InferenceRecorderOptions,
  RecordInference,
} from './inference/record-inference.js';
export { createInferenceRecorder } from './inference/record-inference.js';
export type { LogFn, Logger, LoggerLevel, LoggerOptions } from './logging/logger.js';
export { createLogger } from './logging/logger.js';
export type { BoundCounter, BoundHistogram } from './metrics/bound-series.js';
export { bindCounter, bindHistogram } from './metrics/bound-series.js';
export type { LabelMapper } from './metrics/bounded-label.js';
export { boundedLabel } from './metrics/bounded-label.js';
export { observeWithTrace } from './metrics/exemplars.js';
export type { Exposition } from './metrics/registry.js';
export { MetricsRegistry } from './metrics/registry.js';
export type { Telemetry, TelemetryOptions } from './telemetry.js';
export { getTelemetry, initTelemetry } from './telemetry.js';
export type {
  BoundedSpanProcessorHooks,
  BoundedSpanProcessorOptions,
  SpanDropReason,
  SpanExportRetryOptions,
} from './tracing/bounded-span-processor.js';
export { BoundedSpanProcessor, retryDecision } from './tracing/bounded-span-processor.js';
export type { OtlpHttpSpanExporterOptions } from './tracing/otlp-http-span-exporter.js';
export {
  OtlpExportError,
  OtlpHttpSpanExporter,
  parseRetryAfter,
  RETRYABLE_STATUSES,
} from './tracing/otlp-http-span-exporter.js';
