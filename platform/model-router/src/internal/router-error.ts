import { Metadata, status } from '@grpc/grpc-js';
import { ROUTER_ERROR_METADATA } from '@opsight/contracts/proto';

/** Stable error codes of the router (the header of @opsight/contracts' model_router.proto), each with its gRPC status. */
export const ROUTER_ERRORS = {
  INVALID_REQUEST: status.INVALID_ARGUMENT,
  MODEL_NOT_FOUND: status.NOT_FOUND,
  BACKEND_UNAVAILABLE: status.UNAVAILABLE,
  UPSTREAM_TIMEOUT: status.DEADLINE_EXCEEDED,
  CLIENT_CANCELLED: status.CANCELLED,
  UPSTREAM_ERROR: status.INTERNAL,
} as const;

export type RouterErrorCode = keyof typeof ROUTER_ERRORS;

/** Trailing metadata key that carries the stable code. */
export const ERROR_CODE_METADATA = ROUTER_ERROR_METADATA.code;

/**
 * An error answered with its code's gRPC status, `opsight-error-code` in the trailers, and for a request
 * field at fault `opsight-error-param`.
 */
export class RouterError extends Error {
  override readonly name = 'RouterError';
  constructor(
    readonly code: RouterErrorCode,
    message: string,
    /** The request field at fault (OpenAI's `param`), for INVALID_REQUEST. */
    readonly param?: string,
  ) {
    super(message);
  }

  /** The object grpc-js sends as the call's status. */
  toStatus(): { code: number; details: string; metadata: Metadata } {
    const metadata = new Metadata();
    metadata.set(ERROR_CODE_METADATA, this.code);
    if (this.param !== undefined) metadata.set(ROUTER_ERROR_METADATA.param, this.param);
    return { code: ROUTER_ERRORS[this.code], details: this.message, metadata };
  }
}
