import type { GenerateChunk } from '../../router/model-router-client.js';
import type { CachedCompletion } from '../redis/response-cache.js';

/** A non-stream answer in OpenAI's `chat.completion` shape. */
export function chatCompletion(id: string, c: CachedCompletion) {
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: c.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: c.content },
        finish_reason: c.finishReason,
        logprobs: null,
      },
    ],
    usage: {
      prompt_tokens: c.promptTokens,
      completion_tokens: c.completionTokens,
      total_tokens: c.promptTokens + c.completionTokens,
    },
  };
}

/**
 * One server-sent event of a streamed answer (`chat.completion.chunk`). The first carries the assistant
 * role; the last carries `finish_reason` and `usage`.
 */
export function chatChunk(id: string, created: number, model: string, chunk: GenerateChunk, first: boolean) {
  const delta: { role?: string; content?: string } = {};
  if (first) delta.role = 'assistant';
  if (chunk.delta) delta.content = chunk.delta;
  const body: Record<string, unknown> = {
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: chunk.finish_reason || null, logprobs: null }],
  };
  if (chunk.finish_reason && chunk.usage) {
    body.usage = {
      prompt_tokens: chunk.usage.prompt_tokens,
      completion_tokens: chunk.usage.completion_tokens,
      total_tokens: chunk.usage.prompt_tokens + chunk.usage.completion_tokens,
    };
  }
  return `data: ${JSON.stringify(body)}\n\n`;
}
