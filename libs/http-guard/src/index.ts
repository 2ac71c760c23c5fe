export { checkRequest, checkUpgrade, type GuardedRequest } from './check-request.js';
export { hasBody, isDeclaredContentType, mediaTypeOf } from './content-type-policy.js';
export { type ErrorLog, errorFields, stderrErrorLog } from './error-log.js';
export { type HookableApp, installFastifyGuard } from './fastify.js';
export { HTTP_GUARD_ENV } from './guard-env.js';
export {
  consoleOrigins,
  DEFAULT_CONSOLE_PORT,
  type GuardOptions,
  type GuardPolicy,
  resolveGuardPolicy,
} from './guard-policy.js';
export { hostnameOf, isAllowedHost } from './host-policy.js';
export { guardRequestListener, guardUpgradeListener, sendRefusal } from './node-http.js';
export { isAllowedOrigin, normalizeOrigin } from './origin-policy.js';
export { GUARD_ERRORS, type GuardErrorCode, type Refusal, refusal, refusalBody } from './refusal.js';
export { httpProbe, type ProbeRequest, type ProbeResponse } from './testing/http-probe.js';
