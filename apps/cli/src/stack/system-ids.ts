import { readFileSync } from 'node:fs';

/** uid and gid of a system user, from /etc/passwd; undefined when there is none. */
export function lookupIds(user: string): { uid: number; gid: number } | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === user) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}
