import { ServingError } from './errors.js';

/** Roles accepted in `messages[].role`. */
export const CHAT_ROLES = ['system', 'user', 'assistant', 'tool'] as const;

export interface ChatMessage {
  role: (typeof CHAT_ROLES)[number];
  content: string;
}

/** A validated `POST /v1/chat/completions` body (the fields the simulator uses). */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  stop: string[];
}

/** Largest `max_tokens` accepted. */
export const MAX_TOKENS_LIMIT = 32_768;

const invalid = (field: string, reason: string): ServingError =>
  new ServingError('INVALID_REQUEST', `${field}: ${reason}`, field);

function optionalNumber(body: Record<string, unknown>, field: string, min: number, max: number) {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw invalid(field, `expected a number from ${min} to ${max}`);
  return v;
}

function optionalInteger(body: Record<string, unknown>, field: string, min: number, max: number) {
  const v = optionalNumber(body, field, min, max);
  if (v !== undefined && !Number.isInteger(v)) throw invalid(field, 'expected an integer');
  return v;
}

/** Validates a chat completion body; throws INVALID_REQUEST naming the first bad field. */
export function parseChatRequest(body: unknown): ChatRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalid('body', 'expected a JSON object');
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model.length === 0 || b.model.length > 256)
    throw invalid('model', 'expected a non-empty string');
  if (!Array.isArray(b.messages) || b.messages.length === 0)
    throw invalid('messages', 'expected a non-empty array');
  const messages: ChatMessage[] = b.messages.map((m: unknown, i) => {
    if (typeof m !== 'object' || m === null) throw invalid(`messages[${i}]`, 'expected an object');
    const { role, content } = m as Record<string, unknown>;
    if (typeof role !== 'string' || !(CHAT_ROLES as readonly string[]).includes(role))
      throw invalid(`messages[${i}].role`, `expected one of ${CHAT_ROLES.join(', ')}`);
    if (typeof content !== 'string') throw invalid(`messages[${i}].content`, 'expected a string');
    return { role: role as ChatMessage['role'], content };
  });
  if (b.stream !== undefined && b.stream !== null && typeof b.stream !== 'boolean')
    throw invalid('stream', 'expected a boolean');
  let stop: string[] = [];
  if (typeof b.stop === 'string') stop = [b.stop];
  else if (Array.isArray(b.stop)) {
    if (b.stop.length > 4 || !b.stop.every((s) => typeof s === 'string' && s.length > 0))
      throw invalid('stop', 'expected up to 4 non-empty strings');
    stop = b.stop as string[];
  } else if (b.stop !== undefined && b.stop !== null) throw invalid('stop', 'expected a string or an array');
  return {
    model: b.model,
    messages,
    stream: b.stream === true,
    maxTokens: optionalInteger(b, 'max_tokens', 1, MAX_TOKENS_LIMIT),
    temperature: optionalNumber(b, 'temperature', 0, 2),
    topP: optionalNumber(b, 'top_p', 0, 1),
    seed: optionalInteger(b, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    stop,
  };
}
