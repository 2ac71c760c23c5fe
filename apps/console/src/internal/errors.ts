/** The console's error codes, each with its HTTP status; every error response is `{ error: { code, … } }`. */
export const CONSOLE_ERRORS = {
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_BODY_TOO_LARGE: 413,
  BAD_QUERY_PARAMETER: 400,
  UPSTREAM_UNAVAILABLE: 502,
  UPSTREAM_TIMEOUT: 504,
  INTERNAL_ERROR: 500,
} as const;

export type ConsoleErrorCode = keyof typeof CONSOLE_ERRORS;

/** The JSON body of an error response. */
export function errorBody(
  code: ConsoleErrorCode,
  message: string,
  extra: Record<string, string> = {},
): string {
  return JSON.stringify({ error: { code, message, ...extra } });
}
