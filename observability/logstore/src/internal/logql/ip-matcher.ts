// LogQL's ip() filter: a single address, a range `a-b`, or a CIDR `a/n`, IPv4 or IPv6.
import { BlockList, isIP } from 'node:net';
import { ParseError } from './parse-error.js';

export interface IpMatcher {
  pattern: string;
  matches(address: string): boolean;
}

export function compileIp(pattern: string): IpMatcher {
  const list = new BlockList();
  const p = pattern.trim();
  const bad = () => new ParseError(`parse error: invalid ip pattern ${JSON.stringify(pattern)}`);
  const family = (a: string) => {
    const f = isIP(a);
    if (f === 0) throw bad();
    return f === 4 ? 'ipv4' : 'ipv6';
  };
  if (p.includes('/')) {
    const [addr, bits] = p.split('/') as [string, string];
    const f = family(addr);
    const n = Number(bits);
    if (!/^\d+$/.test(bits) || n > (f === 'ipv4' ? 32 : 128)) throw bad();
    list.addSubnet(addr, n, f);
  } else if (p.includes('-')) {
    const [a, b] = p.split('-') as [string, string];
    const f = family(a.trim());
    if (family(b.trim()) !== f) throw bad();
    try {
      list.addRange(a.trim(), b.trim(), f);
    } catch {
      throw bad();
    }
  } else {
    list.addAddress(p, family(p));
  }
  return {
    pattern,
    matches(address) {
      const f = isIP(address);
      if (f === 0) return false;
      return list.check(address, f === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/** Whether a line contains an IP address that the matcher accepts. */
export function lineHasIp(m: IpMatcher, line: string): boolean {
  for (const token of line.split(/[^0-9a-fA-F:.]+/)) {
    if (token.length < 2) continue;
    const t = token.replace(/^[:.]+|[:.]+$/g, (x) => (x.startsWith('::') || x.endsWith('::') ? x : ''));
    if (isIP(t) && m.matches(t)) return true;
  }
  return false;
}
