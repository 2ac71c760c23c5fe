import { isIP } from 'node:net';

/**
 * The hostname of a Host header (`name`, `name:port`, `[v6]`, `[v6]:port`), lowercased and without a
 * trailing dot; undefined when the header is missing or not a host.
 */
export function hostnameOf(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const text = host.trim().toLowerCase();
  const v6 = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(text);
  if (v6) return isIP(v6[1]!) === 6 ? `[${v6[1]}]` : undefined;
  const m = /^([a-z0-9_.-]+?)\.?(?::\d{1,5})?$/.exec(text);
  return m ? m[1] : undefined;
}

/**
 * Whether a Host header names this server in a way no DNS rebinding can produce:
 * - a loopback name: `localhost` or a name under `.localhost` (browsers resolve those to loopback
 *   themselves, never through DNS);
 * - an IP literal (`127.0.0.1`, `10.1.2.3`, `[::1]`): a page can only reach an address literal under that
 *   same literal, so the request was meant for this address; Prometheus scrapes pods this way;
 * - a configured name: an exact name (`logstore`, `api.example.com`) or, with a leading dot, a domain and
 *   every name under it (`.svc.cluster.local`).
 * With or without a port.
 */
export function isAllowedHost(host: string | undefined, allowedHosts: readonly string[]): boolean {
  const name = hostnameOf(host);
  if (name === undefined || name === '') return false;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (name.startsWith('[') || isIP(name) === 4) return true;
  for (const entry of allowedHosts) {
    const allowed = entry.trim().toLowerCase().replace(/\.$/, '');
    if (allowed === '') continue;
    if (allowed.startsWith('.')) {
      if (name === allowed.slice(1) || name.endsWith(allowed)) return true;
    } else if (name === allowed) return true;
  }
  return false;
}
