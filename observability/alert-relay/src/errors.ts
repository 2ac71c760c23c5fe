/**
 * The relay's error catalogue: every error answer carries one of these codes, with its HTTP status, as
 * `{"error": {"code", "field", "message"}}`. Codes are stable; logs use the same ones.
 */
export const RELAY_ERRORS = {
  /** The body is not Alertmanager's webhook payload version 4. */
  UNSUPPORTED_VERSION: { status: 400 },
  /** A version 4 payload with a missing or malformed field (`field` names it). */
  INVALID_PAYLOAD: { status: 400 },
  /** `GET /v1/inbox?limit=` outside 1 to 1000. */
  INVALID_LIMIT: { status: 400 },
  /**
   * The on-disk queue refused the write (a full disk, an I/O error): nothing was stored, so the relay does
   * not acknowledge; Alertmanager retries the notification.
   */
  QUEUE_UNAVAILABLE: { status: 503 },
  /**
   * An unexpected failure (a bug): the answer says only this code; the error itself is in the relay's log,
   * as the line "request failed" with the same method and path.
   */
  INTERNAL_ERROR: { status: 500 },
} as const;

export type RelayErrorCode = keyof typeof RELAY_ERRORS;

/** The body of an error answer. */
export function relayError(code: RelayErrorCode, field: string, message: string) {
  return { status: RELAY_ERRORS[code].status, body: { error: { code, field, message } } };
}
