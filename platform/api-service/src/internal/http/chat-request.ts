import { ApiError } from '../../error-catalogue.js';
import type { ChatMessage } from '../../router/model-router-client.js';

/** A checked `POST /v1/chat/completions` body. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  seed?: number;
  stop: string[];
  stream: boolean;
  /** `stream_options.include_usage` (usage is sent on the last chunk either way). */
  includeUsage: boolean;
}

const ROLES = new Set(['system', 'user', 'assistant', 'tool', 'developer']);
const MAX_MESSAGES = 1024;

const invalid = (param: string, message: string) => new ApiError('INVALID_REQUEST', message, param);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function optionalNumber(body: Record<string, unknown>, field: string, min: number, max: number) {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(field, `${field} must be a number`);
  if (v < min || v > max) throw invalid(field, `${field} must be between ${min} and ${max}`);
  return v;
}

function optionalInteger(body: Record<string, unknown>, field: string, min: number, max: number) {
  const v = optionalNumber(body, field, min, max);
  if (v !== undefined && !Number.isInteger(v)) throw invalid(field, `${field} must be a whole number`);
  return v;
}

/** Message content: a string, or OpenAI's array of `{type: "text", text}` parts (joined). */
function content(v: unknown, param: string): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    return v
      .map((part, i) => {
        if (!isObject(part) || part.type !== 'text' || typeof part.text !== 'string') {
          throw invalid(`${param}[${i}]`, `${param}[${i}] must be a text part ({"type":"text","text":"…"})`);
        }
        return part.text;
      })
      .join('');
  }
  throw invalid(param, `${param} must be a string or an array of text parts`);
}

/** Checks a chat completion body; throws an INVALID_REQUEST {@link ApiError} naming the first bad field. */
export function parseChatRequest(body: unknown): ChatRequest {
  if (!isObject(body)) throw invalid('body', 'the request body must be a JSON object');
  const { model, messages } = body;
  if (model === undefined) throw invalid('model', 'model is required');
  if (typeof model !== 'string' || model.length === 0 || model.length > 256) {
    throw invalid('model', 'model must be a non-empty string of at most 256 characters');
  }
  if (messages === undefined) throw invalid('messages', 'messages is required');
  if (!Array.isArray(messages)) throw invalid('messages', 'messages must be an array');
  if (messages.length === 0) throw invalid('messages', 'messages must not be empty');
  if (messages.length > MAX_MESSAGES)
    throw invalid('messages', `messages holds more than ${MAX_MESSAGES} items`);
  const checked = messages.map((m: unknown, i): ChatMessage => {
    const param = `messages[${i}]`;
    if (!isObject(m)) throw invalid(param, `${param} must be an object`);
    if (typeof m.role !== 'string') throw invalid(`${param}.role`, `${param}.role must be a string`);
    if (!ROLES.has(m.role)) {
      throw invalid(`${param}.role`, `${param}.role must be one of ${[...ROLES].join(', ')}`);
    }
    if (m.content === undefined || m.content === null) {
      throw invalid(`${param}.content`, `${param}.content is required`);
    }
    return { role: m.role, content: content(m.content, `${param}.content`) };
  });
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw invalid('stream', 'stream must be a boolean');
  }
  let includeUsage = false;
  if (body.stream_options !== undefined && body.stream_options !== null) {
    if (!isObject(body.stream_options)) throw invalid('stream_options', 'stream_options must be an object');
    const iu = body.stream_options.include_usage;
    if (iu !== undefined && typeof iu !== 'boolean') {
      throw invalid('stream_options.include_usage', 'stream_options.include_usage must be a boolean');
    }
    includeUsage = iu === true;
  }
  const n = optionalInteger(body, 'n', 1, 1);
  void n;
  let stop: string[] = [];
  if (typeof body.stop === 'string') stop = [body.stop];
  else if (Array.isArray(body.stop)) {
    if (body.stop.length > 4 || body.stop.some((s) => typeof s !== 'string')) {
      throw invalid('stop', 'stop must be a string or an array of at most 4 strings');
    }
    stop = body.stop as string[];
  } else if (body.stop !== undefined && body.stop !== null) {
    throw invalid('stop', 'stop must be a string or an array of at most 4 strings');
  }
  if (body.user !== undefined && typeof body.user !== 'string')
    throw invalid('user', 'user must be a string');
  return {
    model,
    messages: checked,
    temperature: optionalNumber(body, 'temperature', 0, 2),
    top_p: optionalNumber(body, 'top_p', 0, 1),
    max_tokens: optionalInteger(body, 'max_tokens', 1, 1_000_000),
    seed: optionalInteger(body, 'seed', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    stop,
    stream: body.stream === true,
    includeUsage,
  };
}
