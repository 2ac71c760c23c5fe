import { isDeclaredContentType, mediaTypeOf } from './content-type-policy.js';
import type { GuardPolicy } from './guard-policy.js';
import { isAllowedHost } from './host-policy.js';
import { isAllowedOrigin } from './origin-policy.js';
import { type Refusal, refusal } from './refusal.js';

/** What the guard reads of a request. */
export interface GuardedRequest {
  method?: string | undefined;
  url?: string | undefined;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

function header(req: GuardedRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Checks a request against the policy; undefined when it may go on. In order: the Host (421), then for
 * writes (any method but GET, HEAD, OPTIONS) the Origin (403) and the body's media type (415).
 */
export function checkRequest(policy: GuardPolicy, req: GuardedRequest): Refusal | undefined {
  const host = header(req, 'host');
  if (!isAllowedHost(host, policy.allowedHosts))
    return refusal(
      'HOST_NOT_ALLOWED',
      `Host ${JSON.stringify(host ?? '')} is not a name this server answers to`,
    );
  const method = (req.method ?? 'GET').toUpperCase();
  if (READS.has(method)) return undefined;
  const origin = header(req, 'origin');
  if (!isAllowedOrigin(origin, host, policy.allowedOrigins))
    return refusal('ORIGIN_NOT_ALLOWED', `Origin ${JSON.stringify(origin)} may not write here`);
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const declared = policy.writeContentTypes(path);
  if (!isDeclaredContentType(req.headers, declared)) {
    const type = mediaTypeOf(header(req, 'content-type'));
    return refusal(
      'UNSUPPORTED_MEDIA_TYPE',
      `content-type ${type ?? '(none)'} is not accepted on ${method} ${path}; use ${declared.join(' or ')}`,
    );
  }
  return undefined;
}

/**
 * Checks a WebSocket (or any) upgrade: the Host (421), then the Origin (403); a request without an Origin
 * header is not from a browser and passes.
 */
export function checkUpgrade(policy: GuardPolicy, req: GuardedRequest): Refusal | undefined {
  const host = header(req, 'host');
  if (!isAllowedHost(host, policy.allowedHosts))
    return refusal(
      'HOST_NOT_ALLOWED',
      `Host ${JSON.stringify(host ?? '')} is not a name this server answers to`,
    );
  const origin = header(req, 'origin');
  if (!isAllowedOrigin(origin, host, policy.allowedOrigins))
    return refusal('ORIGIN_NOT_ALLOWED', `Origin ${JSON.stringify(origin)} may not open a WebSocket here`);
  return undefined;
}
