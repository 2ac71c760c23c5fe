import { completionTokenLimit, messageText } from '@opsight/contracts/chat';
import type { ChatRequest } from './chat-request.js';
import type { ModelProfile } from './model-profile.js';

/** What a simulated model will answer and how long each step takes. */
export interface GenerationPlan {
  /** Completion tokens in order; joined they are the completion text. */
  tokens: string[];
  finishReason: 'stop' | 'length';
  promptTokens: number;
  /** Delay before the first token, ms. */
  ttftMs: number;
  /** Delay before each further token, ms (length tokens.length - 1). */
  tokenDelaysMs: number[];
}

const WORDS = (
  'the model answers every request with words drawn from a small vocabulary so that tests can ' +
  'compare outputs while latency token counts and failures follow the configured profile of each ' +
  'simulated backend in the local platform observability metrics logs traces alert router gateway'
).split(' ');

/** FNV-1a over a string: the seed of a request's output. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small deterministic generator of numbers in [0, 1). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Prompt tokens, estimated as OpenAI's rule of thumb (4 characters a token) plus 4 per message. */
export function countPromptTokens(request: ChatRequest): number {
  return request.messages.reduce((n, m) => n + 4 + Math.ceil(messageText(m).length / 4), 2);
}

/**
 * Plans a simulated completion. The text depends only on the model, the messages and the seed (the same
 * request always gets the same answer); delays follow the profile, with jitter from `random`.
 */
export function planGeneration(
  request: ChatRequest,
  profile: ModelProfile,
  random: () => number = Math.random,
): GenerationPlan {
  // The text of each message (not its form: a string or text parts), so both forms get the same answer.
  const conversation = JSON.stringify(
    request.messages.map((m) => ({ role: m.role, content: messageText(m) })),
  );
  const rng = seeded(hash(`${profile.name}\n${request.seed ?? 0}\n${conversation}`));
  const natural = profile.minTokens + Math.floor(rng() * (profile.maxTokens - profile.minTokens + 1));
  const limit = completionTokenLimit(request) ?? Number.POSITIVE_INFINITY;
  const count = Math.min(natural, limit);
  const tokens: string[] = [];
  let text = '';
  let finishReason: GenerationPlan['finishReason'] = natural > limit ? 'length' : 'stop';
  for (let i = 0; i < count; i++) {
    const word = WORDS[Math.floor(rng() * WORDS.length)]!;
    const token = i === 0 ? word : ` ${word}`;
    const stopAt = firstStop(text + token, request.stop ?? []);
    if (stopAt !== undefined) {
      const kept = (text + token).slice(0, stopAt).slice(text.length);
      if (kept) tokens.push(kept);
      finishReason = 'stop';
      break;
    }
    tokens.push(token);
    text += token;
  }
  const vary = (ms: number) => (ms === 0 ? 0 : Math.max(0, ms * (1 + profile.jitter * (2 * random() - 1))));
  return {
    tokens,
    finishReason,
    promptTokens: countPromptTokens(request),
    ttftMs: vary(profile.ttftMs),
    tokenDelaysMs: tokens.slice(1).map(() => vary(profile.tokenMs)),
  };
}

function firstStop(text: string, stops: string[]): number | undefined {
  let at: number | undefined;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0 && (at === undefined || i < at)) at = i;
  }
  return at;
}
