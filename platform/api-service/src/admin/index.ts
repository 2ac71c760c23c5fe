export type { KeyAdminClientOptions } from './key-admin-client.js';
export { KeyAdminClient, KeyAdminError, KeyAdminUnreachableError } from './key-admin-client.js';
export type {
  AdminErrorJson,
  ApiKeyJson,
  CreateKeyBody,
  IssuedKeyJson,
  KeyListJson,
  RevokedKeyJson,
} from './key-admin-contract.js';
export {
  ADMIN_API_PREFIX,
  KEY_ADMIN_PATHS,
  MAX_KEY_LIFETIME_SECONDS,
  MAX_KEY_LIMIT,
  MAX_KEY_NAME_LENGTH,
} from './key-admin-contract.js';
