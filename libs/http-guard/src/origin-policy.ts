/**
 * Whether a request's Origin may act on this server (write, or open a WebSocket):
 * - no Origin header: not a browser (curl, Prometheus, Alertmanager, the collector, SDKs);
 * - an Origin in the allow-list (the console's origin by default), compared as scheme://host:port;
 * - the server's own origin (`http://` or `https://` and the request's Host, already checked by the Host
 *   rule): a page this server served itself.
 * `Origin: null` (sandboxed frames, `file:` pages, redirects across origins) is refused.
 */
export function isAllowedOrigin(
  origin: string | undefined,
  host: string | undefined,
  allowedOrigins: readonly string[],
): boolean {
  if (origin === undefined) return true;
  const normalized = normalizeOrigin(origin);
  if (normalized === undefined) return false;
  if (
    host &&
    (normalized === `http://${host.toLowerCase()}` || normalized === `https://${host.toLowerCase()}`)
  )
    return true;
  return allowedOrigins.some((o) => normalizeOrigin(o) === normalized);
}

/** `scheme://host[:port]` of an origin, lowercased, default ports dropped; undefined when not one. */
export function normalizeOrigin(origin: string): string | undefined {
  const text = origin.trim();
  if (text === '' || text === 'null') return undefined;
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.origin.toLowerCase();
  } catch {
    return undefined;
  }
}
