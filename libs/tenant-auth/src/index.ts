export {
  bearerToken,
  requestTenant,
  type TenantAuthenticator,
  type TenantDecision,
} from './internal/request-tenant.js';
export { type TenantToken, TokenSet, tokensEqual } from './internal/token-set.js';
export { TokensFile, type TokensFileOptions } from './internal/tokens-file.js';
export {
  formatTokensFile,
  MIN_TOKEN_LENGTH,
  parseTokensFile,
  TENANT_PATTERN,
  TokensFileError,
} from './internal/tokens-file-format.js';
