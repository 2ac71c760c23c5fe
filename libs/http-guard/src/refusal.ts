/** The guard's error catalogue: each code with its HTTP status and the request field it names. */
export const GUARD_ERRORS = {
  /** The Host header is neither a loopback name, an IP literal, nor a configured name (DNS rebinding). */
  HOST_NOT_ALLOWED: { status: 421, field: 'host' },
  /** A write or a WebSocket upgrade from a browser page of another origin. */
  ORIGIN_NOT_ALLOWED: { status: 403, field: 'origin' },
  /** A write whose body is not one of the path's declared media types. */
  UNSUPPORTED_MEDIA_TYPE: { status: 415, field: 'content-type' },
} as const;

export type GuardErrorCode = keyof typeof GUARD_ERRORS;

/** Why a request was refused: the status to answer and the JSON body. */
export interface Refusal {
  status: number;
  code: GuardErrorCode;
  field: string;
  message: string;
}

export function refusal(code: GuardErrorCode, message: string): Refusal {
  const { status, field } = GUARD_ERRORS[code];
  return { status, code, field, message };
}

/** The JSON body of a refusal: `{code, field, message}`. */
export function refusalBody(r: Refusal): string {
  return JSON.stringify({ code: r.code, field: r.field, message: r.message });
}
