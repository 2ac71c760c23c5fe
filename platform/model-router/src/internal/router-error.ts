import { Metadata, status } from '@grpc/grpc-js';

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
export const ERROR_CODE_METADATA = 'opsight-error-code';

/** An error answered with its code's gRPC status and `opsight-error-code` in the trailers. */
export class RouterError extends Error {
  override readonly name = 'RouterError';
  constructor(
    readonly code: RouterErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** The object grpc-js sends as the call's status. */
  toStatus(): { code: number; details: string; metadata: Metadata } {
    const metadata = new Metadata();
    metadata.set(ERROR_CODE_METADATA, this.code);
    return { code: ROUTER_ERRORS[this.code], details: this.message, metadata };
  }
}
