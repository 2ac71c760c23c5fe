import {
  type ChatRequest,
  ChatRequestError,
  parseChatRequest as parseWithSchema,
} from '@opsight/contracts/chat';
import { ServingError } from './errors.js';

export type { ChatMessage, ChatRequest } from '@opsight/contracts/chat';

/**
 * Checks a chat completion body with the platform's one schema (`@opsight/contracts/chat`); throws an
 * INVALID_REQUEST {@link ServingError} whose `param` names the first bad field.
 */
export function parseChatRequest(body: unknown): ChatRequest {
  try {
    return parseWithSchema(body);
  } catch (error) {
    if (error instanceof ChatRequestError)
      throw new ServingError('INVALID_REQUEST', error.message, error.param);
    throw error;
  }
}
