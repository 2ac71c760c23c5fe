import {
  type ChatRequest,
  ChatRequestError,
  parseChatRequest as parseWithSchema,
} from '@opsight/contracts/chat';
import { ApiError } from '../../error-catalogue.js';

export type { ChatRequest } from '@opsight/contracts/chat';

/**
 * Checks a `POST /v1/chat/completions` body with the platform's one chat-request schema
 * (`@opsight/contracts/chat`, the same at the router and model-serving); throws an INVALID_REQUEST
 * {@link ApiError} whose `param` names the first bad field.
 */
export function parseChatRequest(body: unknown): ChatRequest {
  try {
    return parseWithSchema(body);
  } catch (error) {
    if (error instanceof ChatRequestError) throw new ApiError('INVALID_REQUEST', error.message, error.param);
    throw error;
  }
}
