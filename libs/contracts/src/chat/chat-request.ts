import { CHAT_LIMITS, CHAT_ROLES, FUNCTION_NAME_PATTERN, TOOL_CHOICE_MODES } from './limits.js';

/** A role of `messages[].role`. */
export type ChatRole = (typeof CHAT_ROLES)[number];

/** A content part; the platform serves text models, so text is the one part type it accepts. */
export interface TextContentPart {
  type: 'text';
  text: string;
}

/** A function call the assistant made, as sent back in the conversation. */
export interface ToolCall {
  id: string;
  type: 'function';
  function: {
    name: string;
    /** The arguments as the model wrote them: JSON text, passed on unparsed. */
    arguments: string;
  };
}

/** One message of the conversation. */
export interface ChatMessage {
  role: ChatRole;
  /** A string or text parts; null only for an assistant message that just calls tools. */
  content: string | TextContentPart[] | null;
  /** The participant's name. */
  name?: string;
  /** On `tool` messages: the call this message answers. */
  tool_call_id?: string;
  /** On `assistant` messages: the calls it made. */
  tool_calls?: ToolCall[];
}

/** A function the model may call. */
export interface FunctionTool {
  type: 'function';
  function: {
    name: string;
    description?: string;
    /** A JSON Schema object describing the arguments. */
    parameters?: Record<string, unknown>;
    /** Ask the model to follow the schema exactly. */
    strict?: boolean;
  };
}

/** `tool_choice`: a mode, or one named function. */
export type ToolChoice =
  | (typeof TOOL_CHOICE_MODES)[number]
  | { type: 'function'; function: { name: string } };

/**
 * A checked chat completion request, in OpenAI's field names so that it can be sent on as it is. Fields
 * the client did not send are absent (never `undefined`-valued); `stop` is always an array when present.
 *
 * Completion budget: `max_completion_tokens` is the field; `max_tokens` is OpenAI's deprecated alias, still
 * accepted. Each travels as the client sent it (some upstreams accept only one of them); when both are
 * sent they must be equal. {@link completionTokenLimit} gives the budget either way.
 */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  /** Only meaningful with `stream`; usage is sent on the last chunk either way. */
  stream_options?: { include_usage?: boolean };
  max_completion_tokens?: number;
  /** Deprecated alias of {@link ChatRequest.max_completion_tokens}. */
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  seed?: number;
  stop?: string[];
  tools?: FunctionTool[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  /** The end user, as the client names it (free text; not the authenticated user). */
  user?: string;
}

/** OpenAI's error body for a request that fails validation. */
export interface ChatRequestErrorBody {
  error: { message: string; type: 'invalid_request_error'; param: string; code: 'INVALID_REQUEST' };
}

/**
 * A request that fails validation: `param` names the field at fault in OpenAI's notation
 * (`messages[0].role`, `tools[2].function.name`, `body` for the body itself); the message starts with it.
 */
export class ChatRequestError extends Error {
  override readonly name = 'ChatRequestError';
  /** The stable code every service answers a validation failure with. */
  readonly code = 'INVALID_REQUEST';
  readonly type = 'invalid_request_error';
  constructor(
    readonly param: string,
    reason: string,
  ) {
    super(`${param}: ${reason}`);
  }

  toBody(): ChatRequestErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const given = (v: unknown): boolean => v !== undefined && v !== null;
const fail = (param: string, reason: string): never => {
  throw new ChatRequestError(param, reason);
};
const list = (values: readonly string[]) => values.join(', ');

function string(v: unknown, param: string, opts: { min?: number; max: number }): string {
  if (typeof v !== 'string') return fail(param, 'expected a string');
  const min = opts.min ?? 0;
  if (v.length < min) fail(param, min === 1 ? 'must not be empty' : `expected at least ${min} characters`);
  if (v.length > opts.max) fail(param, `longer than ${opts.max} characters`);
  return v;
}

function number(v: unknown, param: string, range: { min: number; max: number }, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return fail(param, 'expected a number');
  if (integer && !Number.isInteger(v)) fail(param, 'expected an integer');
  if (v < range.min || v > range.max) fail(param, `expected ${range.min} to ${range.max}`);
  return v;
}

function boolean(v: unknown, param: string): boolean {
  if (typeof v !== 'boolean') fail(param, 'expected true or false');
  return v as boolean;
}

function content(v: unknown, param: string): string | TextContentPart[] {
  if (typeof v === 'string') {
    if (v.length > CHAT_LIMITS.contentChars)
      fail(param, `longer than ${CHAT_LIMITS.contentChars} characters`);
    return v;
  }
  if (!Array.isArray(v)) return fail(param, 'expected a string or an array of content parts');
  if (v.length === 0) fail(param, 'expected at least one content part');
  if (v.length > CHAT_LIMITS.contentParts) fail(param, `more than ${CHAT_LIMITS.contentParts} content parts`);
  let chars = 0;
  const parts = v.map((part: unknown, j): TextContentPart => {
    const at = `${param}[${j}]`;
    if (!isObject(part)) return fail(at, 'expected a content part object');
    if (part.type !== 'text') {
      if (typeof part.type !== 'string') fail(`${at}.type`, 'expected a string');
      fail(`${at}.type`, `content part type ${part.type} is not supported: the platform serves text models`);
    }
    const text = string(part.text, `${at}.text`, { max: CHAT_LIMITS.contentChars });
    chars += text.length;
    return { type: 'text', text };
  });
  if (chars > CHAT_LIMITS.contentChars) fail(param, `longer than ${CHAT_LIMITS.contentChars} characters`);
  return parts;
}

function functionName(v: unknown, param: string): string {
  const name = string(v, param, { min: 1, max: 64 });
  if (!FUNCTION_NAME_PATTERN.test(name)) fail(param, 'expected letters, digits, _ or - (at most 64)');
  return name;
}

function toolCalls(v: unknown, param: string): ToolCall[] {
  if (!Array.isArray(v)) return fail(param, 'expected an array of tool calls');
  if (v.length === 0) fail(param, 'expected at least one tool call');
  if (v.length > CHAT_LIMITS.toolCalls) fail(param, `more than ${CHAT_LIMITS.toolCalls} tool calls`);
  return v.map((call: unknown, k): ToolCall => {
    const at = `${param}[${k}]`;
    if (!isObject(call)) return fail(at, 'expected a tool call object');
    const id = string(call.id, `${at}.id`, { min: 1, max: 256 });
    if (call.type !== 'function') fail(`${at}.type`, 'expected "function"');
    if (!isObject(call.function)) return fail(`${at}.function`, 'expected an object');
    const name = functionName(call.function.name, `${at}.function.name`);
    if (typeof call.function.arguments !== 'string')
      fail(`${at}.function.arguments`, 'expected a string (JSON text)');
    return { id, type: 'function', function: { name, arguments: call.function.arguments as string } };
  });
}

function message(m: unknown, i: number): ChatMessage {
  const param = `messages[${i}]`;
  if (!isObject(m)) return fail(param, 'expected a message object');
  if (!given(m.role)) fail(`${param}.role`, 'required');
  if (typeof m.role !== 'string' || !(CHAT_ROLES as readonly string[]).includes(m.role))
    fail(`${param}.role`, `expected one of ${list(CHAT_ROLES)}`);
  const role = m.role as ChatRole;
  const out: ChatMessage = { role, content: null };
  if (given(m.tool_calls)) {
    if (role !== 'assistant') fail(`${param}.tool_calls`, 'only assistant messages make tool calls');
    out.tool_calls = toolCalls(m.tool_calls, `${param}.tool_calls`);
  }
  if (given(m.content)) out.content = content(m.content, `${param}.content`);
  else if (!out.tool_calls)
    fail(`${param}.content`, 'required (null only on an assistant message with tool_calls)');
  if (given(m.name)) out.name = string(m.name, `${param}.name`, { min: 1, max: CHAT_LIMITS.nameChars });
  if (role === 'tool') {
    if (!given(m.tool_call_id)) fail(`${param}.tool_call_id`, 'required on tool messages');
    out.tool_call_id = string(m.tool_call_id, `${param}.tool_call_id`, { min: 1, max: 256 });
  } else if (given(m.tool_call_id)) fail(`${param}.tool_call_id`, 'only tool messages answer a tool call');
  return out;
}

function tools(v: unknown): FunctionTool[] {
  if (!Array.isArray(v)) return fail('tools', 'expected an array of tools');
  if (v.length > CHAT_LIMITS.tools) fail('tools', `more than ${CHAT_LIMITS.tools} tools`);
  const seen = new Set<string>();
  return v.map((tool: unknown, i): FunctionTool => {
    const at = `tools[${i}]`;
    if (!isObject(tool)) return fail(at, 'expected a tool object');
    if (tool.type !== 'function') fail(`${at}.type`, 'expected "function" (the one tool type served)');
    const fn = tool.function;
    if (!isObject(fn)) return fail(`${at}.function`, 'expected an object');
    const name = functionName(fn.name, `${at}.function.name`);
    if (seen.has(name)) fail(`${at}.function.name`, `duplicate function name ${name}`);
    seen.add(name);
    const out: FunctionTool = { type: 'function', function: { name } };
    if (given(fn.description))
      out.function.description = string(fn.description, `${at}.function.description`, {
        max: CHAT_LIMITS.toolDescriptionChars,
      });
    if (given(fn.parameters)) {
      if (!isObject(fn.parameters)) fail(`${at}.function.parameters`, 'expected a JSON Schema object');
      out.function.parameters = fn.parameters as Record<string, unknown>;
    }
    if (given(fn.strict)) out.function.strict = boolean(fn.strict, `${at}.function.strict`);
    return out;
  });
}

function toolChoice(v: unknown, declared: FunctionTool[] | undefined): ToolChoice {
  let choice: ToolChoice;
  if (typeof v === 'string') {
    if (!(TOOL_CHOICE_MODES as readonly string[]).includes(v))
      fail('tool_choice', `expected one of ${list(TOOL_CHOICE_MODES)} or a named function`);
    choice = v as ToolChoice;
  } else {
    if (!isObject(v)) return fail('tool_choice', 'expected a string or an object');
    if (v.type !== 'function') fail('tool_choice.type', 'expected "function"');
    if (!isObject(v.function)) return fail('tool_choice.function', 'expected an object');
    const name = functionName(v.function.name, 'tool_choice.function.name');
    if (!declared?.some((t) => t.function.name === name))
      fail('tool_choice.function.name', `no tool named ${name} in tools`);
    choice = { type: 'function', function: { name } };
  }
  if (choice !== 'none' && (!declared || declared.length === 0)) fail('tool_choice', 'requires tools');
  return choice;
}

function stop(v: unknown): string[] {
  const sequences = typeof v === 'string' ? [v] : v;
  const reason = `expected a non-empty string or up to ${CHAT_LIMITS.stopSequences} of them`;
  if (!Array.isArray(sequences) || sequences.length > CHAT_LIMITS.stopSequences) return fail('stop', reason);
  sequences.forEach((s: unknown, i) => {
    if (typeof s !== 'string' || s.length === 0)
      fail(typeof v === 'string' ? 'stop' : `stop[${i}]`, 'expected a non-empty string');
  });
  return sequences as string[];
}

const tokenRange = { min: 1, max: CHAT_LIMITS.completionTokens };

/**
 * Checks a `POST /v1/chat/completions` body against the platform's one chat-request schema. Throws a
 * {@link ChatRequestError} naming the first field at fault; unknown fields are ignored, as OpenAI's API
 * adds fields faster than every hop can learn them.
 */
export function parseChatRequest(body: unknown): ChatRequest {
  if (!isObject(body)) return fail('body', 'expected a JSON object');
  if (!given(body.model)) fail('model', 'required');
  const model = string(body.model, 'model', { min: 1, max: CHAT_LIMITS.modelChars });
  if (!given(body.messages)) fail('messages', 'required');
  if (!Array.isArray(body.messages)) return fail('messages', 'expected an array of messages');
  if (body.messages.length === 0) fail('messages', 'expected at least one message');
  if (body.messages.length > CHAT_LIMITS.messages)
    fail('messages', `more than ${CHAT_LIMITS.messages} messages`);
  const request: ChatRequest = { model, messages: body.messages.map(message), stream: false };

  if (given(body.stream)) request.stream = boolean(body.stream, 'stream');
  if (given(body.stream_options)) {
    if (!isObject(body.stream_options)) fail('stream_options', 'expected an object');
    const options = body.stream_options as Json;
    request.stream_options = {};
    if (given(options.include_usage))
      request.stream_options.include_usage = boolean(options.include_usage, 'stream_options.include_usage');
  }
  if (given(body.max_completion_tokens))
    request.max_completion_tokens = number(
      body.max_completion_tokens,
      'max_completion_tokens',
      tokenRange,
      true,
    );
  if (given(body.max_tokens)) request.max_tokens = number(body.max_tokens, 'max_tokens', tokenRange, true);
  if (
    request.max_tokens !== undefined &&
    request.max_completion_tokens !== undefined &&
    request.max_tokens !== request.max_completion_tokens
  )
    fail('max_tokens', 'differs from max_completion_tokens: send max_completion_tokens alone');
  if (given(body.temperature))
    request.temperature = number(body.temperature, 'temperature', CHAT_LIMITS.temperature);
  if (given(body.top_p)) request.top_p = number(body.top_p, 'top_p', CHAT_LIMITS.topP);
  if (given(body.seed))
    request.seed = number(
      body.seed,
      'seed',
      { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
      true,
    );
  if (given(body.n)) number(body.n, 'n', { min: 1, max: 1 }, true);
  if (given(body.stop)) request.stop = stop(body.stop);
  if (given(body.tools)) request.tools = tools(body.tools);
  if (given(body.tool_choice)) request.tool_choice = toolChoice(body.tool_choice, request.tools);
  if (given(body.parallel_tool_calls))
    request.parallel_tool_calls = boolean(body.parallel_tool_calls, 'parallel_tool_calls');
  if (given(body.user)) request.user = string(body.user, 'user', { max: CHAT_LIMITS.contentChars });
  return request;
}

/** The completion budget of a request: `max_completion_tokens`, else its alias `max_tokens`. */
export function completionTokenLimit(request: ChatRequest): number | undefined {
  return request.max_completion_tokens ?? request.max_tokens;
}

/** The text of a message: its string content, or its text parts joined; empty for a tool-call-only one. */
export function messageText(message: ChatMessage): string {
  const c = message.content;
  if (c === null) return '';
  return typeof c === 'string' ? c : c.map((p) => p.text).join('');
}
