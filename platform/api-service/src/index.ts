export type { ApiService, ApiServiceOptions } from './app.js';
export { buildApiService } from './app.js';
export type { ApiErrorCode } from './error-catalogue.js';
export { API_ERRORS, ApiError, errorBody } from './error-catalogue.js';
export { migrate, SCHEMA_VERSION } from './internal/db/migrations.js';
export type { UsageRow } from './internal/db/usage-writer.js';
export type { ApiKeyRecord, CreateApiKeyOptions, CreatedApiKey } from './keys/api-key-store.js';
export {
  AmbiguousApiKeyError,
  API_KEY_PATTERN,
  ApiKeyStore,
  hashApiKey,
  RevokedApiKeyError,
} from './keys/api-key-store.js';
export type {
  GenerateChunk,
  GenerateRequest,
  GenerateResponse,
  ModelInfo,
  RequestContext,
  Usage,
} from './router/model-router-client.js';
export {
  apiErrorFromGrpc,
  loadModelRouterService,
  MODEL_ROUTER_PROTO,
  ModelRouterClient,
  PROTO_LOADER_OPTIONS,
} from './router/model-router-client.js';
