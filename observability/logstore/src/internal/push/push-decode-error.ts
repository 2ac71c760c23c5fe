// The error of a push body that cannot be decoded: the whole request is rejected, nothing stored.
import type { ErrorCode } from '../error-codes.js';

export class PushDecodeError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
