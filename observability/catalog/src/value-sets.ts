/**
 * Bounded label values. A value outside its set is mapped (usually to `other`), never turned into a new
 * series.
 */

/** HTTP status code classes (`status_class` label). */
export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

/** HTTP request methods kept as label values; anything else becomes `_OTHER` (OpenTelemetry convention). */
export const HTTP_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
export const HTTP_METHOD_OTHER = '_OTHER';

/** Route label for requests that matched no route (404s, scans), so unknown paths never add series. */
export const ROUTE_UNMATCHED = 'unmatched';

/**
 * Health-probe routes: served without spans or `http_server_*` series (probes every few seconds would
 * fill the trace store and dilute the request-based SLIs).
 */
export const HEALTH_PROBE_ROUTES = ['/healthz', '/readyz', '/livez'] as const;

/** Reasons of `model_inference_failure_total`. */
export const INFERENCE_FAILURE_REASONS = [
  'timeout',
  'rate_limited',
  'invalid_request',
  'context_length_exceeded',
  'model_unavailable',
  'overloaded',
  'upstream_error',
  'canceled',
  'internal',
  'other',
] as const;
export type InferenceFailureReason = (typeof INFERENCE_FAILURE_REASONS)[number];

/** Model label for any model not in the routing table. */
export const MODEL_OTHER = 'other';

/** go-grpc-prometheus `grpc_type` values. */
export const GRPC_TYPES = ['unary', 'client_stream', 'server_stream', 'bidi_stream'] as const;
export type GrpcType = (typeof GRPC_TYPES)[number];

/** gRPC status code names as go-grpc-prometheus writes them in `grpc_code`, indexed by numeric code. */
export const GRPC_CODES = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
] as const;
export type GrpcCode = (typeof GRPC_CODES)[number];

/** `limit` label of `rate_limit_rejections_total`. */
export const RATE_LIMIT_KINDS = ['requests', 'tokens', 'concurrency'] as const;
export type RateLimitKind = (typeof RATE_LIMIT_KINDS)[number];

/** `cache` label of the cache hit/miss counters. */
export const CACHE_NAMES = ['response', 'api_key', 'other'] as const;
export type CacheName = (typeof CACHE_NAMES)[number];

/** `dependency` label of `api_dependency_up`. */
export const API_DEPENDENCIES = ['postgres', 'redis'] as const;
export type ApiDependency = (typeof API_DEPENDENCIES)[number];

/** `reason` label of `opsight_telemetry_spans_dropped_total`. */
export const SPAN_DROP_REASONS = ['queue_full', 'export_failed', 'retries_exhausted'] as const;
export type SpanDropReason = (typeof SPAN_DROP_REASONS)[number];

/** Log levels as written in the `level` field. */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `direction` label of `api_tokens_total`. */
export const TOKEN_DIRECTIONS = ['prompt', 'completion'] as const;
export type TokenDirection = (typeof TOKEN_DIRECTIONS)[number];

/** `window` label of `api_active_users`. */
export const ACTIVE_USER_WINDOWS = ['1h', '1d'] as const;
export type ActiveUserWindow = (typeof ACTIVE_USER_WINDOWS)[number];
