import { existsSync, readFileSync } from 'node:fs';

/** A system account from /etc/passwd. */
export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** Looks a user up in /etc/passwd; undefined when there is no such user. */
export function lookupUser(name: string): SystemUser | undefined {
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid, , home] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) {
      return { name, uid: Number(uid), gid: Number(gid), home: home ?? '/' };
    }
  }
  return undefined;
}

const SETPRIV = '/usr/bin/setpriv';

/**
 * Builds the command line that runs `command` as a supervised process: under util-linux `setpriv`, where
 * present, so that the process is killed if the supervisor itself dies (parent-death signal) and so that
 * it can drop to another user. Without setpriv the command runs as is (user switching then uses the
 * spawn uid/gid options).
 */
export function wrapCommand(command: string, args: string[], user?: SystemUser): [string, string[]] {
  if (!existsSync(SETPRIV)) return [command, args];
  const ids = user ? [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups'] : [];
  return [SETPRIV, ['--pdeathsig', 'KILL', ...ids, '--', command, ...args]];
}

/** True when setpriv does the user switch (so spawn must not set uid/gid itself). */
export const setprivAvailable = (): boolean => existsSync(SETPRIV);
