import type { ServerResponse } from 'node:http';

/**
 * The Content-Security-Policy of every console response. The front end is plain ES modules and one
 * stylesheet from the console's own origin, with no inline script or style (styles set from script go
 * through the CSSOM, which CSP does not restrict), so the policy allows the console's origin and nothing
 * else:
 * - `script-src 'self'`: no inline script, no eval, no script from elsewhere; a `javascript:` URL that
 *   got past the link check would not run either.
 * - `connect-src 'self'`: the browser reads the engines only through the console's proxy.
 * - `img-src 'self' data:`: chromium's own favicon fallback and SVG data URIs in CSS are harmless.
 * - `object-src 'none'`, `base-uri 'none'`: no plugin, no `<base>` to re-point relative URLs.
 * - `frame-ancestors 'none'` (and X-Frame-Options DENY for older browsers): no clickjacking frame.
 * - `form-action 'self'`: a planted form cannot post elsewhere.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** Headers set on every response of the console, error responses and proxied answers included. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/** Sets {@link SECURITY_HEADERS} on a response before anything is written. */
export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}
