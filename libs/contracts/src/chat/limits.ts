/**
 * The limits of a chat completion request, the same at every hop (api-service, model-router,
 * model-serving): a request the edge accepts is never refused further in for being too large.
 */
export const CHAT_LIMITS = {
  /** Longest `model` name, characters. */
  modelChars: 256,
  /** Most `messages` in one request. */
  messages: 1024,
  /**
   * Longest content of one message, characters (a string, or its text parts together). Equal to the
   * services' default body limit, so it binds only where a service is given a larger one.
   */
  contentChars: 1_048_576,
  /** Most content parts in one message. */
  contentParts: 256,
  /** Longest `name` of a message, characters. */
  nameChars: 256,
  /**
   * Largest completion budget (`max_completion_tokens`, or its alias `max_tokens`), one bound for every
   * hop. No model the platform routes to writes more in one answer (a simulated profile at most 32,768;
   * OpenAI-compatible upstreams at most 128 Ki), so a larger value can only be a mistake, refused at the
   * edge; a smaller budget than a model's own limit is the model's to cut, with `finish_reason: "length"`.
   */
  completionTokens: 131_072,
  /** Most `stop` sequences (OpenAI's limit). */
  stopSequences: 4,
  /** Most `tools` (OpenAI's limit). */
  tools: 128,
  /** Longest tool `description`, characters. */
  toolDescriptionChars: 4096,
  /** Most `tool_calls` in one assistant message. */
  toolCalls: 128,
  /** `temperature` range, inclusive. */
  temperature: { min: 0, max: 2 },
  /** `top_p` range, inclusive. */
  topP: { min: 0, max: 1 },
} as const;

/** Roles of `messages[].role`, OpenAI's current set (`developer` replaces `system` for reasoning models). */
export const CHAT_ROLES = ['system', 'developer', 'user', 'assistant', 'tool'] as const;

/** `tool_choice` modes given as a string. */
export const TOOL_CHOICE_MODES = ['none', 'auto', 'required'] as const;

/** A function's name: what OpenAI accepts (letters, digits, `_` and `-`, up to 64). */
export const FUNCTION_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
