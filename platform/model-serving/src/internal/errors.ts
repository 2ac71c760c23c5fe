/** Stable error codes of model-serving, each with its HTTP status; used in responses and logs. */
export const SERVING_ERRORS = {
  INVALID_REQUEST: { status: 400, type: 'invalid_request_error' },
  MODEL_NOT_FOUND: { status: 404, type: 'invalid_request_error' },
  MODEL_ERROR: { status: 500, type: 'server_error' },
  MODEL_OVERLOADED: { status: 503, type: 'server_error' },
  MODEL_TIMEOUT: { status: 504, type: 'server_error' },
  UPSTREAM_ERROR: { status: 502, type: 'server_error' },
  REQUEST_TOO_LARGE: { status: 413, type: 'invalid_request_error' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, type: 'invalid_request_error' },
  ROUTE_NOT_FOUND: { status: 404, type: 'invalid_request_error' },
} as const;

export type ServingErrorCode = keyof typeof SERVING_ERRORS;

/**
 * Fixed words of the server-side codes: a 5xx answer says only these, the code and the trace id; what went
 * wrong in detail (an exception, an upstream's answer) is in the log line of the same trace id.
 */
const SERVER_SIDE_MESSAGES: Partial<Record<ServingErrorCode, string>> = {
  MODEL_ERROR: 'the model failed',
  UPSTREAM_ERROR: 'the upstream model failed',
};

/**
 * An error answered as `{ error: { code, message, type, param, trace_id } }` with the code's status. The
 * message of MODEL_ERROR and UPSTREAM_ERROR answers is fixed (see toBody); others say what the caller got
 * wrong.
 */
export class ServingError extends Error {
  override readonly name = 'ServingError';
  constructor(
    readonly code: ServingErrorCode,
    message: string,
    /** The request field at fault, for INVALID_REQUEST. */
    readonly field?: string,
  ) {
    super(message);
  }

  get status(): number {
    return SERVING_ERRORS[this.code].status;
  }

  /**
   * The OpenAI-style error body (`param` is OpenAI's name for the offending field), with the trace id of the
   * request. MODEL_ERROR and UPSTREAM_ERROR say fixed words, never this error's message.
   */
  toBody(traceId?: string): {
    error: { code: string; message: string; type: string; param: string | null; trace_id: string | null };
  } {
    return {
      error: {
        code: this.code,
        message: SERVER_SIDE_MESSAGES[this.code] ?? this.message,
        type: SERVING_ERRORS[this.code].type,
        param: this.field ?? null,
        trace_id: traceId ?? null,
      },
    };
  }
}
