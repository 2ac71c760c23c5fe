/**
 * Trailing metadata of a failed model-router call (the header of `model_router.proto`): the stable
 * Opsight error code, and for INVALID_REQUEST the request field at fault, in OpenAI's `param` notation.
 */
export const ROUTER_ERROR_METADATA = {
  /** The stable code (`INVALID_REQUEST`, `MODEL_NOT_FOUND`, …). */
  code: 'opsight-error-code',
  /** The request field at fault (`messages[0].role`), on INVALID_REQUEST. */
  param: 'opsight-error-param',
} as const;
