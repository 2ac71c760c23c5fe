import {
  type ChatRequest,
  ChatRequestError,
  chatRequestFromProto,
  type GenerateRequestProto,
  parseChatRequest,
} from '@opsight/contracts/chat';
import { RouterError } from './router-error.js';
import type { UpstreamRequest } from './upstream-client.js';

/** GenerateRequest as @grpc/proto-loader decodes it (keepCase, defaults off: absent fields are undefined). */
export type GenerateRequestMessage = GenerateRequestProto;

/**
 * Checks a GenerateRequest with the platform's one chat-request schema (`@opsight/contracts/chat`) and
 * gives the body to send to model-serving; throws INVALID_REQUEST naming the field at fault.
 */
export function toUpstreamRequest(m: GenerateRequestMessage): UpstreamRequest {
  let request: ChatRequest;
  try {
    request = parseChatRequest(chatRequestFromProto(m));
  } catch (error) {
    if (error instanceof ChatRequestError)
      throw new RouterError('INVALID_REQUEST', error.message, error.param);
    throw error;
  }
  const { stream: _stream, stream_options: _options, user: _user, ...upstream } = request;
  return upstream;
}
