/**
 * Traffic scenarios: what each request of a run looks like and how the rate varies over time. Every
 * choice comes from a seeded generator, so a run with the same seed sends the same requests.
 */

/** Which credentials a request carries. */
export type KeyChoice = 'valid' | 'expired' | 'none' | 'malformed' | 'unknown';

/** What a request is meant to exercise; recorded in the ground truth beside what really came back. */
export type RequestKind =
  | 'chat'
  | 'stream'
  | 'cached'
  | 'expired_key'
  | 'no_key'
  | 'malformed_key'
  | 'unknown_key'
  | 'invalid_json'
  | 'missing_messages'
  | 'unknown_model'
  | 'too_large';

export interface PlannedRequest {
  kind: RequestKind;
  /** The model named in the body ('' when the body has none). */
  model: string;
  stream: boolean;
  key: KeyChoice;
  /** The raw body sent (a string, so malformed JSON can be sent too). */
  body: string;
}

/** What a scenario needs to plan requests. */
export interface ScenarioContext {
  /** Models to spread requests over (from GET /v1/models, or given). */
  models: readonly string[];
  /** The model used by `slow-model` (a model with a slow latency profile). */
  slowModel: string;
  random: () => number;
}

export interface Scenario {
  name: ScenarioName;
  description: string;
  /** Requests per second at `seconds` into the run, for a set rate of `rate`. */
  rateAt(rate: number, seconds: number): number;
  /** The request number `index`. */
  plan(index: number, ctx: ScenarioContext): PlannedRequest;
  /** The scenario needs the expired key. */
  needsExpiredKey?: boolean;
}

export const SCENARIO_NAMES = [
  'steady',
  'burst',
  'error-storm',
  'slow-model',
  'expired-key',
  'cache-friendly',
  'streaming-mix',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

const PROMPTS = [
  'Summarise the incident in one sentence.',
  'What is the capital of France?',
  'Write a haiku about latency.',
  'Explain exponential backoff briefly.',
  'List three uses of a histogram.',
  'Translate "good morning" into German.',
];

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)]!;

function chatBody(model: string, prompt: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content: prompt }],
    // OpenAI's current name of the completion budget (max_tokens is its deprecated alias).
    max_completion_tokens: 64,
    ...extra,
  });
}

function chat(ctx: ScenarioContext, extra: Record<string, unknown> = {}): PlannedRequest {
  const model = pick(ctx.models, ctx.random);
  // A varying temperature keeps these requests out of the response cache.
  const body = chatBody(model, pick(PROMPTS, ctx.random), { temperature: 0.7, ...extra });
  return { kind: 'chat', model, stream: false, key: 'valid', body };
}

function stream(ctx: ScenarioContext): PlannedRequest {
  const model = pick(ctx.models, ctx.random);
  const body = chatBody(model, pick(PROMPTS, ctx.random), {
    temperature: 0.7,
    stream: true,
    stream_options: { include_usage: true },
  });
  return { kind: 'stream', model, stream: true, key: 'valid', body };
}

const constant = (rate: number) => rate;

/** The bad inputs of the error storm, in turn with valid requests. */
function stormRequest(index: number, ctx: ScenarioContext): PlannedRequest {
  const model = pick(ctx.models, ctx.random);
  const good = chatBody(model, pick(PROMPTS, ctx.random), { temperature: 0.7 });
  switch (index % 8) {
    case 0:
      return { kind: 'no_key', model, stream: false, key: 'none', body: good };
    case 1:
      return { kind: 'malformed_key', model, stream: false, key: 'malformed', body: good };
    case 2:
      return { kind: 'unknown_key', model, stream: false, key: 'unknown', body: good };
    case 3:
      // No model can be read from these two bodies: recorded under no model, as the API sees them.
      return {
        kind: 'invalid_json',
        model: '',
        stream: false,
        key: 'valid',
        body: '{"model": "x", "messages": [',
      };
    case 4:
      return {
        kind: 'missing_messages',
        model,
        stream: false,
        key: 'valid',
        body: JSON.stringify({ model }),
      };
    case 5:
      return {
        kind: 'unknown_model',
        model: 'no-such-model',
        stream: false,
        key: 'valid',
        body: chatBody('no-such-model', 'hello'),
      };
    case 6:
      return {
        kind: 'too_large',
        model: '',
        stream: false,
        key: 'valid',
        body: chatBody(model, 'x'.repeat(2 * 1024 * 1024)),
      };
    default:
      return chat(ctx);
  }
}

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = {
  steady: {
    name: 'steady',
    description: 'constant rate, non-stream completions spread over the models',
    rateAt: constant,
    plan: (_, ctx) => chat(ctx),
  },
  burst: {
    name: 'burst',
    description: 'the set rate, with 5 s at 5× the rate every 20 s',
    rateAt: (rate, seconds) => (seconds % 20 >= 15 ? rate * 5 : rate),
    plan: (_, ctx) => chat(ctx),
  },
  'error-storm': {
    name: 'error-storm',
    description: 'missing/malformed/unknown keys, bad JSON, missing messages, unknown model, oversized body',
    rateAt: constant,
    plan: stormRequest,
  },
  'slow-model': {
    name: 'slow-model',
    description: 'every request to the slow model (long time to first token)',
    rateAt: constant,
    plan: (_, ctx) => {
      const body = chatBody(ctx.slowModel, pick(PROMPTS, ctx.random), { temperature: 0.7 });
      return { kind: 'chat', model: ctx.slowModel, stream: false, key: 'valid', body };
    },
  },
  'expired-key': {
    name: 'expired-key',
    description: 'a valid key and an expired one in turn (401 API_KEY_EXPIRED)',
    rateAt: constant,
    needsExpiredKey: true,
    plan: (index, ctx) =>
      index % 2 === 0 ? chat(ctx) : { ...chat(ctx), kind: 'expired_key', key: 'expired' },
  },
  'cache-friendly': {
    name: 'cache-friendly',
    description: 'identical temperature-0 requests from a few prompts (response cache hits)',
    rateAt: constant,
    plan: (index, ctx) => {
      const model = ctx.models[0]!;
      const body = chatBody(model, PROMPTS[index % 3]!, { temperature: 0 });
      return { kind: 'cached', model, stream: false, key: 'valid', body };
    },
  },
  'streaming-mix': {
    name: 'streaming-mix',
    description: 'half streamed (SSE), half non-stream completions',
    rateAt: constant,
    plan: (_, ctx) => (ctx.random() < 0.5 ? stream(ctx) : chat(ctx)),
  },
};

/** The scenario named `name`, or undefined. */
export function scenario(name: string): Scenario | undefined {
  return (SCENARIO_NAMES as readonly string[]).includes(name) ? SCENARIOS[name as ScenarioName] : undefined;
}

/** A small seeded generator (mulberry32): the same seed gives the same run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
