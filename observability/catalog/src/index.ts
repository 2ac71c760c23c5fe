export {
  GATEWAY_DURATION_BUCKETS,
  GRPC_HANDLING_BUCKETS,
  HTTP_DURATION_BUCKETS,
  INFERENCE_LATENCY_BUCKETS,
  INTER_TOKEN_BUCKETS,
  QUEUE_TIME_BUCKETS,
  TTFT_BUCKETS,
} from './buckets.js';
export type { LogFieldDefinition, LogFieldPresence, LogFieldType } from './log-fields.js';
export { EVENT_LOG_FIELDS, LOG_FIELD_NAMES, LOG_FIELDS } from './log-fields.js';
export type { LogOriginLabel, LogShippingRule } from './log-shipping.js';
export { LOG_EXTRACTED_FIELDS, LOG_SHIPPING, LOG_STREAM_LABELS } from './log-shipping.js';
export type { LogShippingConfig } from './log-shipping-configs/render-log-shipping-configs.js';
export {
  LOG_SHIPPING_GENERATOR,
  renderLogShippingConfigs,
} from './log-shipping-configs/render-log-shipping-configs.js';
export type { MetricDefinition, MetricSource, MetricType } from './metric-definition.js';
export { defineMetric } from './metric-definition.js';
export {
  alertRelayDeliveriesPending,
  alertRelayDeliveriesTotal,
  alertRelayDeliveryAttemptsTotal,
  alertRelayNotificationsDeduplicatedTotal,
  alertRelayNotificationsRejectedTotal,
  alertRelayNotificationsTotal,
  alertRelayOldestPendingAgeSeconds,
} from './metrics/alert-relay.js';
export {
  apiActiveUsers,
  apiDependencyUp,
  apiKeyExpiryDays,
  apiKeyExpiryTimestampSeconds,
  apiKeyStoreUnavailableTotal,
  apiRequestsTotal,
  apiTokensTotal,
  apiUsageRowsQueued,
  apiUsageRowsTotal,
  cacheBypassedTotal,
  cacheHitsTotal,
  cacheMissesTotal,
  rateLimitRejectionsTotal,
  rateLimitUncheckedTotal,
} from './metrics/api-service.js';
export {
  gatewayTelemetryLagBytes,
  gatewayTelemetryLagSeconds,
  gatewayTelemetryLinesTotal,
  gatewayTelemetryParseErrorsTotal,
  gatewayTelemetryReopensTotal,
  nginxHttpRequestDurationSeconds,
  nginxHttpRequestSizeBytes,
  nginxHttpRequestsTotal,
  nginxHttpResponseSizeBytes,
} from './metrics/gateway.js';
export {
  grpcClientHandledTotal,
  grpcClientHandlingSeconds,
  grpcClientMsgReceivedTotal,
  grpcClientMsgSentTotal,
  grpcClientStartedTotal,
  grpcServerHandledTotal,
  grpcServerHandlingSeconds,
  grpcServerMsgReceivedTotal,
  grpcServerMsgSentTotal,
  grpcServerStartedTotal,
} from './metrics/grpc.js';
export { httpServerRequestDurationSeconds, httpServerRequestsTotal } from './metrics/http-server.js';
export type { MetricGroup } from './metrics/index.js';
export { METRIC_GROUPS, METRICS } from './metrics/index.js';
export {
  modelInferenceFailureTotal,
  modelInferenceLatencySeconds,
  modelInferenceSuccessTotal,
  modelInputTokensTotal,
  modelInterTokenLatencySeconds,
  modelOutputTokensTotal,
  modelQueueTimeSeconds,
  modelTimeToFirstTokenSeconds,
} from './metrics/inference.js';
export {
  containerCpuUsageSecondsTotal,
  containerMemoryWorkingSetBytes,
  dcgmFiDevFbUsed,
  dcgmFiDevGpuUtil,
  dcgmGpuUtilization,
  dcgmMemoryUsedBytes,
  kubePodContainerResourceLimits,
  kubePodContainerStatusRestartsTotal,
  pgDatabaseSizeBytes,
  pgReplicationLagSeconds,
  pgStatActivityCount,
  pgStatStatementsTotalTime,
  redisConnectedClients,
  redisKeyspaceHitsTotal,
  redisKeyspaceMissesTotal,
  redisMemoryMaxBytes,
  redisMemoryUsedBytes,
  up,
} from './metrics/infrastructure.js';
export {
  logstoreQueriesStoppedTotal,
  logstoreQueryRefusalsTotal,
  logstoreRetentionBudgetBytes,
  logstoreRetentionDeletedEntriesTotal,
  logstoreRetentionEvictedBytesTotal,
  logstoreRulerRemoteWriteSamplesTotal,
  logstoreSealedEntriesTotal,
  logstoreStorageBytes,
  logstoreStorageFull,
  logstoreWriteFailuresTotal,
  lokiDiscardedSamplesTotal,
  lokiDistributorBytesReceivedTotal,
  lokiDistributorLinesReceivedTotal,
  lokiIngesterMemoryStreams,
  lokiMutatedBytesTotal,
  lokiMutatedSamplesTotal,
  lokiPrometheusNotificationsDroppedTotal,
  lokiPrometheusNotificationsErrorsTotal,
  lokiPrometheusNotificationsQueueLength,
  lokiPrometheusNotificationsSentTotal,
  lokiPrometheusRuleEvaluationFailuresTotal,
  lokiPrometheusRuleEvaluationsTotal,
  lokiPrometheusRuleGroupIntervalSeconds,
  lokiPrometheusRuleGroupIterationsMissedTotal,
  lokiPrometheusRuleGroupLastDurationSeconds,
  lokiPrometheusRuleGroupLastEvaluationTimestampSeconds,
  lokiPrometheusRuleGroupRules,
  lokiRequestDurationSeconds,
} from './metrics/logstore.js';
export {
  modelRouterBackendUp,
  modelRouterCircuitOpen,
  modelRouterFallbacksTotal,
  modelRouterRetriesTotal,
} from './metrics/model-router.js';
export {
  collectorEntriesDroppedTotal,
  collectorLagSeconds,
  collectorLostBytesTotal,
  collectorTruncationsTotal,
  pgReplicationStandbyReplayLagBytes,
  pgReplicationStandbyReplayLagSeconds,
  pgSettingsMaxConnections,
  pgStatStatementsSecondsTotal,
  prometheusNotificationsDroppedTotal,
  prometheusRuleEvaluationFailuresTotal,
} from './metrics/rule-sources.js';
export {
  telemetryErrorsTotal,
  telemetryLabelValuesMappedTotal,
  telemetryLogWriteFailuresTotal,
  telemetrySpanExportRetriesTotal,
  telemetrySpansDroppedTotal,
  telemetrySpansExportedTotal,
} from './metrics/telemetry-self.js';
export { traceStoreSpansDroppedTotal, traceStoreStorageFull } from './metrics/trace-store.js';
export {
  REFERENCE_GENERATOR,
  REFERENCE_PATH,
  renderTelemetryReference,
} from './reference/render-telemetry-reference.js';
export type { SpanAttributeConvention, SpanAttributeDefinition } from './span-attributes.js';
export { SPAN_ATTRIBUTES, SpanAttr } from './span-attributes.js';
export type {
  ActiveUserWindow,
  ApiDependency,
  CacheName,
  GrpcCode,
  GrpcType,
  HttpMethod,
  InferenceFailureReason,
  LogLevel,
  RateLimitKind,
  SpanDropReason,
  StatusClass,
  TokenDirection,
} from './value-sets.js';
export {
  ACTIVE_USER_WINDOWS,
  API_DEPENDENCIES,
  CACHE_NAMES,
  GRPC_CODES,
  GRPC_TYPES,
  HEALTH_PROBE_ROUTES,
  HTTP_METHOD_OTHER,
  HTTP_METHODS,
  INFERENCE_FAILURE_REASONS,
  LOG_LEVELS,
  MODEL_OTHER,
  RATE_LIMIT_KINDS,
  ROUTE_UNMATCHED,
  SPAN_DROP_REASONS,
  STATUS_CLASSES,
  TOKEN_DIRECTIONS,
} from './value-sets.js';
