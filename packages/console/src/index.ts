export type { ConsoleErrorCode } from './internal/errors.js';
export { CONSOLE_ERRORS } from './internal/errors.js';
export type { Upstreams } from './internal/upstreams.js';
export { DEFAULT_UPSTREAMS } from './internal/upstreams.js';
export type { ConsoleOptions, RunningConsole } from './server.js';
export { startConsole } from './server.js';
