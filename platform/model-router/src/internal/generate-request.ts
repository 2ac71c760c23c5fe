import { RouterError } from './router-error.js';
import type { UpstreamRequest } from './upstream-client.js';

/** GenerateRequest as @grpc/proto-loader decodes it (keepCase, defaults off: absent fields are undefined). */
export interface GenerateRequestMessage {
  model?: string;
  messages?: { role?: string; content?: string }[];
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  seed?: number | string;
  stop?: string[];
  request_id?: string;
  user_id?: string;
}

const ROLES = ['system', 'user', 'assistant', 'tool'];
const invalid = (field: string, reason: string) => new RouterError('INVALID_REQUEST', `${field}: ${reason}`);

/** Validates a GenerateRequest; throws INVALID_REQUEST whose message starts with the bad field. */
export function toUpstreamRequest(m: GenerateRequestMessage): UpstreamRequest {
  if (!m.model) throw invalid('model', 'required');
  if (m.model.length > 256) throw invalid('model', 'longer than 256 characters');
  if (!m.messages || m.messages.length === 0) throw invalid('messages', 'at least one message is required');
  const messages = m.messages.map((msg, i) => {
    const role = msg.role ?? '';
    if (!ROLES.includes(role)) throw invalid(`messages[${i}].role`, `expected one of ${ROLES.join(', ')}`);
    return { role, content: msg.content ?? '' };
  });
  const r: UpstreamRequest = { model: m.model, messages };
  if (m.temperature !== undefined) {
    if (!(m.temperature >= 0 && m.temperature <= 2)) throw invalid('temperature', 'expected 0 to 2');
    r.temperature = m.temperature;
  }
  if (m.top_p !== undefined) {
    if (!(m.top_p >= 0 && m.top_p <= 1)) throw invalid('top_p', 'expected 0 to 1');
    r.top_p = m.top_p;
  }
  if (m.max_tokens !== undefined) {
    if (!(m.max_tokens >= 1 && m.max_tokens <= 32_768)) throw invalid('max_tokens', 'expected 1 to 32768');
    r.max_tokens = m.max_tokens;
  }
  if (m.seed !== undefined) {
    const seed = Number(m.seed);
    if (!Number.isSafeInteger(seed)) throw invalid('seed', 'expected an integer within ±2^53');
    r.seed = seed;
  }
  if (m.stop && m.stop.length > 0) {
    if (m.stop.length > 4 || m.stop.some((s) => s.length === 0))
      throw invalid('stop', 'expected up to 4 non-empty strings');
    r.stop = m.stop;
  }
  return r;
}
