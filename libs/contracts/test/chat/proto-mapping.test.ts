import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chatRequestFromProto, chatRequestToProto, parseChatRequest } from '@opsight/contracts/chat';

const full = parseChatRequest({
  model: 'chat-fast',
  messages: [
    { role: 'developer', content: 'Be brief.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Weather ' },
        { type: 'text', text: 'in Oslo?' },
      ],
      name: 'ada',
    },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: '{"c":3}' },
    { role: 'assistant', content: '' },
  ],
  tools: [
    {
      type: 'function',
      function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' }, strict: true },
    },
  ],
  tool_choice: { type: 'function', function: { name: 'get_weather' } },
  parallel_tool_calls: true,
  max_completion_tokens: 64,
  max_tokens: 64,
  temperature: 0.5,
  top_p: 0.9,
  seed: 42,
  stop: ['END'],
  stream: true,
  user: 'u',
});

test('a request survives the mapping onto the proto and back, but for the edge-only fields', () => {
  const back = parseChatRequest(chatRequestFromProto(chatRequestToProto(full)));
  const { stream: _s, user: _u, ...expected } = full;
  assert.deepEqual(back, { ...expected, stream: false });
});

test('edge-only fields and request context never enter the proto message', () => {
  const proto = chatRequestToProto(full) as Record<string, unknown>;
  for (const field of ['stream', 'stream_options', 'user', 'request_id', 'user_id'])
    assert.ok(!(field in proto), field);
  assert.equal(
    chatRequestToProto(parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }] }))
      .max_tokens,
    undefined,
  );
});

test('tool_choice modes and absent optional fields map both ways', () => {
  const r = parseChatRequest({
    model: 'm',
    messages: [{ role: 'user', content: 'x' }],
    tools: [{ type: 'function', function: { name: 'f' } }],
    tool_choice: 'required',
  });
  const proto = chatRequestToProto(r);
  assert.deepEqual(proto.tool_choice, { mode: 'required' });
  assert.deepEqual(proto.tools, [{ type: 'function', function: { name: 'f' } }]);
  assert.deepEqual(parseChatRequest(chatRequestFromProto(proto)), { ...r, stream: false });
});

test('as decoded with defaults (empty strings, null members, the oneof name), the mapping still reads it', () => {
  const decoded = {
    model: 'm',
    messages: [
      {
        role: 'user',
        content: 'hi',
        parts: null,
        content_form: 'content' as const,
        name: '',
        tool_call_id: '',
        tool_calls: [],
      },
      {
        role: 'user',
        content: '',
        parts: { parts: [{ type: 'text', text: 'p' }] },
        content_form: 'parts' as const,
        name: '',
        tool_call_id: '',
        tool_calls: [],
      },
    ],
    stop: [],
    tools: [],
    tool_choice: null,
  };
  assert.deepEqual(parseChatRequest(chatRequestFromProto(decoded)).messages, [
    { role: 'user', content: 'hi' },
    { role: 'user', content: [{ type: 'text', text: 'p' }] },
  ]);
});

test('a malformed tool schema on the wire is refused with its param', () => {
  assert.throws(
    () =>
      parseChatRequest(
        chatRequestFromProto({
          model: 'm',
          messages: [{ role: 'user', content: 'x' }],
          tools: [{ type: 'function', function: { name: 'f', parameters_json: 'not json' } }],
        }),
      ),
    { param: 'tools[0].function.parameters' },
  );
});
