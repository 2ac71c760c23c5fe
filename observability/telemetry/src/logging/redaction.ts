/** Replacement written in place of a secret. */
export const REDACTED = '[REDACTED]';

// Keys whose values are secrets whatever they hold, compared after lower-casing and removing everything
// that is not a letter or digit (`X-API-Key`, `api_key` and `apiKey` are the same key).
const SECRET_KEYS = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'password',
  'passwd',
  'pwd',
  'secret',
  'clientsecret',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'sessiontoken',
  'bearer',
  'apikey',
  'xapikey',
  'apitoken',
  'privatekey',
  'connectionstring',
  'databaseurl',
  'dsn',
  'credential',
  'credentials',
]);
const SECRET_KEY_SUFFIXES = ['password', 'secret', 'apikey', 'token', 'authorization', 'credentials'];

const keyCache = new Map<string, boolean>();
const KEY_CACHE_LIMIT = 4096;

/** Whether a field of this name holds a secret. */
export function isSecretKey(key: string): boolean {
  const cached = keyCache.get(key);
  if (cached !== undefined) return cached;
  const normalized = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  const secret =
    SECRET_KEYS.has(normalized) || SECRET_KEY_SUFFIXES.some((suffix) => normalized.endsWith(suffix));
  if (keyCache.size < KEY_CACHE_LIMIT) keyCache.set(key, secret);
  return secret;
}

// A cheap test run on every string; only strings that match it go through the replacements below.
const HINT = /bearer|basic\s|sk-|:\/\/[^\s/@]*:[^\s@]*@|eyJ|pass|secret|token|api[-_]?key|authorization|pwd/i;

const REPLACEMENTS: readonly [RegExp, string][] = [
  // Authorization header values: `Bearer <token>`, `Basic <base64>`.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/gi, `$1 ${REDACTED}`],
  // API keys in the OpenAI format (`sk-…`, `sk-proj-…`).
  [/\bsk-[A-Za-z0-9_-]{6,}/g, REDACTED],
  // Credentials inside URLs and connection strings: scheme://user:password@host.
  [/\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/@]*):([^\s@/]+)@/gi, `$1$2:${REDACTED}@`],
  // JSON Web Tokens.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // key=value and key: value pairs in free text, query strings and headers.
  [
    /\b((?:x-)?(?:api[-_]?key|access[-_]?token|refresh[-_]?token|token|secret|client[-_]?secret|password|passwd|pwd|authorization)["']?\s*[=:]\s*["']?)[^\s"'&,;}]+/gi,
    `$1${REDACTED}`,
  ],
];

/** Removes secrets that a value pattern recognizes from free text. */
export function redactText(text: string): string {
  if (!HINT.test(text)) return text;
  let out = text;
  for (const [pattern, replacement] of REPLACEMENTS) out = out.replace(pattern, replacement);
  return out;
}
