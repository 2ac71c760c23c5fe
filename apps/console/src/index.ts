export type { ConsoleErrorCode } from './internal/errors.js';
export { CONSOLE_ERRORS } from './internal/errors.js';
export { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from './internal/security-headers.js';
export type { StoreCredentials } from './internal/store-credentials.js';
export type { Upstreams } from './internal/upstreams.js';
export { DEFAULT_UPSTREAMS } from './internal/upstreams.js';
export type { ConsoleOptions, RunningConsole } from './server.js';
export { startConsole } from './server.js';
