/**
 * The API service's error catalogue: every stable code it answers with, and its HTTP status. Responses
 * carry the code in OpenAI's error shape (`error.code`) with the trace id; logs carry it as `error_code`.
 */
export const API_ERRORS = {
  /** The body is not valid JSON. */
  INVALID_JSON: { status: 400, type: 'invalid_request_error' },
  /** A field is missing, of the wrong type or out of range; `param` names it. */
  INVALID_REQUEST: { status: 400, type: 'invalid_request_error' },
  /** No `Authorization` header. */
  API_KEY_MISSING: { status: 401, type: 'authentication_error' },
  /** `Authorization` is not `Bearer sk-…` of the right shape. */
  API_KEY_MALFORMED: { status: 401, type: 'authentication_error' },
  /** A well-formed key that no record matches. */
  API_KEY_UNKNOWN: { status: 401, type: 'authentication_error' },
  /** The key's expiry has passed. */
  API_KEY_EXPIRED: { status: 401, type: 'authentication_error' },
  /** The key was revoked. */
  API_KEY_REVOKED: { status: 401, type: 'authentication_error' },
  /** The admin API was called without `Authorization: Bearer <admin key>`. */
  ADMIN_KEY_MISSING: { status: 401, type: 'authentication_error' },
  /** The admin API was called with a key that is not the admin key. */
  ADMIN_KEY_INVALID: { status: 401, type: 'authentication_error' },
  /** No route for the path. */
  NOT_FOUND: { status: 404, type: 'invalid_request_error' },
  /** The router has no route for the model. */
  MODEL_NOT_FOUND: { status: 404, type: 'invalid_request_error' },
  /** Admin API: no key has that id or display prefix. */
  API_KEY_NOT_FOUND: { status: 404, type: 'invalid_request_error' },
  /** Admin API: the display prefix matches several keys; address the key by its id. */
  API_KEY_AMBIGUOUS: { status: 409, type: 'invalid_request_error' },
  /** Admin API: the key is revoked, so it cannot be rotated. */
  API_KEY_NOT_ACTIVE: { status: 409, type: 'invalid_request_error' },
  /** The body is larger than the service accepts. */
  REQUEST_BODY_TOO_LARGE: { status: 413, type: 'invalid_request_error' },
  /** The body is not `application/json`. */
  UNSUPPORTED_MEDIA_TYPE: { status: 415, type: 'invalid_request_error' },
  /** The key's requests-per-minute limit is used up; see `Retry-After`. */
  RATE_LIMITED_REQUESTS: { status: 429, type: 'rate_limit_error' },
  /** The key's tokens-per-minute limit is used up; see `Retry-After`. */
  RATE_LIMITED_TOKENS: { status: 429, type: 'rate_limit_error' },
  /** The caller went away before the answer (logged; the client never reads it). */
  CLIENT_CANCELLED: { status: 499, type: 'api_error' },
  /** An unexpected failure inside the service. */
  INTERNAL_ERROR: { status: 500, type: 'api_error' },
  /** The model's backend failed (5xx, malformed answer). */
  UPSTREAM_ERROR: { status: 502, type: 'api_error' },
  /** Every backend of the model (and its fallbacks) is down. */
  BACKEND_UNAVAILABLE: { status: 503, type: 'api_error' },
  /** The model router cannot be reached. */
  ROUTER_UNAVAILABLE: { status: 503, type: 'api_error' },
  /**
   * Redis cannot be reached and the service runs with `rateLimitFailMode: 'closed'`, so the key's limits
   * cannot be checked; see `Retry-After`.
   */
  DEPENDENCY_UNAVAILABLE: { status: 503, type: 'api_error' },
  /**
   * PostgreSQL cannot be reached and the key was not seen recently (keys seen within the fallback window
   * still authenticate from memory); see `Retry-After`.
   */
  AUTH_BACKEND_UNAVAILABLE: { status: 503, type: 'api_error' },
  /** The model did not answer within the deadline. */
  UPSTREAM_TIMEOUT: { status: 504, type: 'api_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** An error answered with its catalogue status and code. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** The offending request field, if any (`messages[0].content`). */
    readonly param?: string,
    /** Seconds, for 429 and 503 answers (`Retry-After`). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.status = API_ERRORS[code].status;
  }
}

/** The JSON body of an error answer (OpenAI's shape, plus the trace id). */
export function errorBody(error: ApiError, traceId: string | undefined, requestId: string | undefined) {
  return {
    error: {
      message: error.message,
      type: API_ERRORS[error.code].type,
      code: error.code,
      param: error.param ?? null,
      trace_id: traceId ?? null,
      request_id: requestId ?? null,
    },
  };
}
