import type { ChatMessage, ChatRequest, FunctionTool, ToolCall, ToolChoice } from './chat-request.js';

/**
 * `opsight.router.v1.ChatMessage` as `@grpc/proto-loader` takes and gives it (`keepCase`, `oneofs`):
 * absent fields may be undefined or, with `defaults: true`, empty.
 */
export interface ChatMessageProto {
  role?: string;
  /** Content sent as a string. */
  content?: string;
  /** Content sent as an array of parts. */
  parts?: { parts?: { type?: string; text?: string }[] } | null;
  /** The oneof's virtual field: which content member is set. */
  content_form?: 'content' | 'parts';
  name?: string;
  tool_call_id?: string;
  tool_calls?: { id?: string; type?: string; function?: { name?: string; arguments?: string } | null }[];
}

/** `opsight.router.v1.GenerateRequest` as `@grpc/proto-loader` takes and gives it. */
export interface GenerateRequestProto {
  model?: string;
  messages?: ChatMessageProto[];
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  /** int64: a number with `longs: Number`, else a string. */
  seed?: number | string;
  stop?: string[];
  tools?: {
    type?: string;
    function?: { name?: string; description?: string; parameters_json?: string; strict?: boolean } | null;
  }[];
  tool_choice?: { mode?: string; function_name?: string; choice?: 'mode' | 'function_name' } | null;
  parallel_tool_calls?: boolean;
}

function messageToProto(m: ChatMessage): ChatMessageProto {
  const out: ChatMessageProto = { role: m.role };
  if (typeof m.content === 'string') out.content = m.content;
  else if (m.content !== null) out.parts = { parts: m.content.map((p) => ({ type: p.type, text: p.text })) };
  if (m.name !== undefined) out.name = m.name;
  if (m.tool_call_id !== undefined) out.tool_call_id = m.tool_call_id;
  if (m.tool_calls)
    out.tool_calls = m.tool_calls.map((c) => ({ id: c.id, type: c.type, function: c.function }));
  return out;
}

function toolToProto(t: FunctionTool): NonNullable<GenerateRequestProto['tools']>[number] {
  const { name, description, parameters, strict } = t.function;
  return {
    type: t.type,
    function: {
      name,
      ...(description !== undefined ? { description } : {}),
      ...(parameters !== undefined ? { parameters_json: JSON.stringify(parameters) } : {}),
      ...(strict !== undefined ? { strict } : {}),
    },
  };
}

/**
 * A checked request as the router's `GenerateRequest`: every field that reaches the model, each as the
 * client sent it. `stream`, `stream_options` and `user` stay at the edge (the RPC method says whether to
 * stream; the edge frames the events).
 */
export function chatRequestToProto(r: ChatRequest): GenerateRequestProto {
  const out: GenerateRequestProto = { model: r.model, messages: r.messages.map(messageToProto) };
  if (r.temperature !== undefined) out.temperature = r.temperature;
  if (r.top_p !== undefined) out.top_p = r.top_p;
  if (r.max_tokens !== undefined) out.max_tokens = r.max_tokens;
  if (r.max_completion_tokens !== undefined) out.max_completion_tokens = r.max_completion_tokens;
  if (r.seed !== undefined) out.seed = r.seed;
  out.stop = r.stop ?? [];
  out.tools = (r.tools ?? []).map(toolToProto);
  if (r.tool_choice !== undefined)
    out.tool_choice =
      typeof r.tool_choice === 'string'
        ? { mode: r.tool_choice }
        : { function_name: r.tool_choice.function.name };
  if (r.parallel_tool_calls !== undefined) out.parallel_tool_calls = r.parallel_tool_calls;
  return out;
}

const nonEmpty = (s: string | undefined): s is string => s !== undefined && s !== '';

function messageFromProto(m: ChatMessageProto): Record<string, unknown> {
  const out: Record<string, unknown> = { role: m.role };
  if (m.parts && m.content_form !== 'content')
    out.content = (m.parts.parts ?? []).map((p) => ({ type: p.type, text: p.text }));
  else if (m.content !== undefined && m.content_form !== 'parts') out.content = m.content;
  else out.content = null;
  if (nonEmpty(m.name)) out.name = m.name;
  if (nonEmpty(m.tool_call_id)) out.tool_call_id = m.tool_call_id;
  if (m.tool_calls && m.tool_calls.length > 0)
    out.tool_calls = m.tool_calls.map(
      (c): Partial<ToolCall> => ({
        id: c.id,
        type: c.type as 'function',
        function: c.function as ToolCall['function'],
      }),
    );
  return out;
}

/** The JSON Schema of a tool's arguments; text that is not JSON stays text, for the schema to refuse. */
function parameters(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}

/**
 * A received `GenerateRequest` as OpenAI's request body, for `parseChatRequest` to check: nothing is
 * trusted because it came over the wire, so a request is held to the same schema at every hop.
 */
export function chatRequestFromProto(m: GenerateRequestProto): Record<string, unknown> {
  const out: Record<string, unknown> = { model: m.model, messages: (m.messages ?? []).map(messageFromProto) };
  if (m.temperature !== undefined && m.temperature !== null) out.temperature = m.temperature;
  if (m.top_p !== undefined && m.top_p !== null) out.top_p = m.top_p;
  if (m.max_tokens !== undefined && m.max_tokens !== null) out.max_tokens = m.max_tokens;
  if (m.max_completion_tokens !== undefined && m.max_completion_tokens !== null)
    out.max_completion_tokens = m.max_completion_tokens;
  if (m.seed !== undefined && m.seed !== null) out.seed = Number(m.seed);
  if (m.stop && m.stop.length > 0) out.stop = m.stop;
  if (m.tools && m.tools.length > 0)
    out.tools = m.tools.map((t) => {
      const f = t.function ?? {};
      return {
        type: t.type,
        function: {
          name: f.name,
          ...(f.description !== undefined && f.description !== null ? { description: f.description } : {}),
          ...(f.parameters_json !== undefined && f.parameters_json !== null
            ? { parameters: parameters(f.parameters_json) }
            : {}),
          ...(f.strict !== undefined && f.strict !== null ? { strict: f.strict } : {}),
        },
      };
    });
  const choice = m.tool_choice;
  if (choice) {
    if (nonEmpty(choice.function_name) && choice.choice !== 'mode')
      out.tool_choice = { type: 'function', function: { name: choice.function_name } } satisfies ToolChoice;
    else if (choice.mode !== undefined) out.tool_choice = choice.mode;
  }
  if (m.parallel_tool_calls !== undefined && m.parallel_tool_calls !== null)
    out.parallel_tool_calls = m.parallel_tool_calls;
  return out;
}
