import { readFile, stat } from 'node:fs/promises';

/**
 * Basic-auth credentials the console sends to Alertmanager (which the local stack runs behind basic
 * auth, since it answers every origin with CORS headers). The browser's own `Authorization` is never
 * forwarded.
 */
export interface AlertmanagerCredentials {
  /** User name. */
  username: string;
  /**
   * File holding the password (first line, surrounding whitespace ignored). Read again when its
   * modification time changes, so a rotated password is used without a restart.
   */
  passwordFile: string;
}

/**
 * Builds the `Authorization` header for Alertmanager; none without credentials. The password file is
 * re-read on change.
 */
export function alertmanagerHeaders(
  credentials: AlertmanagerCredentials | undefined,
): () => Promise<Record<string, string>> {
  if (!credentials) return async () => ({});
  let cached: { key: string; value: string } | undefined;
  return async () => {
    const st = await stat(credentials.passwordFile);
    const key = `${st.mtimeMs}:${st.size}:${st.ino}`;
    if (cached?.key !== key) {
      const password = (await readFile(credentials.passwordFile, 'utf8')).split('\n')[0]?.trim() ?? '';
      if (!password) throw new Error(`Alertmanager password file ${credentials.passwordFile} is empty`);
      cached = {
        key,
        value: `Basic ${Buffer.from(`${credentials.username}:${password}`).toString('base64')}`,
      };
    }
    return { authorization: cached.value };
  };
}
