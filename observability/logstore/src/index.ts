// Public API of @opsight/logstore.

export type { ErrorLog } from '@opsight/http-guard';
export type { LogStoreApi } from './internal/api/log-store-api.js';
export type { ErrorCode } from './internal/error-codes.js';
export { ERROR_CODES } from './internal/error-codes.js';
export type { LogStore, LogStoreOptions } from './internal/http/server.js';
export { createLogStore } from './internal/http/server.js';
export type { Labels } from './internal/labels.js';
export { formatLabels, parseLabelSet } from './internal/labels.js';
export type { Limits } from './internal/limits.js';
export { DEFAULT_LIMITS } from './internal/limits.js';
export type { QueryData, QueryParams } from './internal/logql/engine.js';
export { QueryEngine, QueryError } from './internal/logql/engine.js';
export { encodePushProtobuf } from './internal/push/decode-push.js';
export type { Entry, StreamInfo } from './internal/storage/log-storage.js';
export { LogStorage } from './internal/storage/log-storage.js';
