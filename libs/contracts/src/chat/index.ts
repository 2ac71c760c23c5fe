export type {
  ChatMessage,
  ChatRequest,
  ChatRequestErrorBody,
  ChatRole,
  FunctionTool,
  TextContentPart,
  ToolCall,
  ToolChoice,
} from './chat-request.js';
export { ChatRequestError, completionTokenLimit, messageText, parseChatRequest } from './chat-request.js';
export { CHAT_LIMITS, CHAT_ROLES, FUNCTION_NAME_PATTERN, TOOL_CHOICE_MODES } from './limits.js';
export type { ChatMessageProto, GenerateRequestProto } from './proto-mapping.js';
export { chatRequestFromProto, chatRequestToProto } from './proto-mapping.js';
export { REQUEST_CONTEXT_METADATA } from './request-context.js';
