import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CHAT_LIMITS,
  CHAT_ROLES,
  ChatRequestError,
  completionTokenLimit,
  messageText,
  parseChatRequest,
} from '@opsight/contracts/chat';

const user = { role: 'user', content: 'hi' };
const base = { model: 'chat-fast', messages: [user] };
const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const call = {
  id: 'call_1',
  type: 'function',
  function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
};

test('a minimal request: defaults absent, stream false', () => {
  assert.deepEqual(parseChatRequest(base), {
    model: 'chat-fast',
    messages: [{ role: 'user', content: 'hi' }],
    stream: false,
  });
});

test('every role is accepted, developer included', () => {
  for (const role of CHAT_ROLES) {
    const m = role === 'tool' ? { role, content: '{"t":1}', tool_call_id: 'call_1' } : { role, content: 'x' };
    assert.equal(parseChatRequest({ ...base, messages: [m] }).messages[0]?.role, role);
  }
});

test('a tool conversation: assistant tool_calls with null content, the tool answer, names', () => {
  const r = parseChatRequest({
    ...base,
    messages: [
      { role: 'developer', content: 'Use tools.' },
      { role: 'user', content: 'Weather in Oslo?', name: 'ada' },
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"c":3}' },
    ],
    tools: [weather],
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
    parallel_tool_calls: false,
  });
  assert.deepEqual(r.messages[1], { role: 'user', content: 'Weather in Oslo?', name: 'ada' });
  assert.deepEqual(r.messages[2], { role: 'assistant', content: null, tool_calls: [call] });
  assert.deepEqual(r.messages[3], { role: 'tool', content: '{"c":3}', tool_call_id: 'call_1' });
  assert.deepEqual(r.tools, [weather]);
  assert.deepEqual(r.tool_choice, { type: 'function', function: { name: 'get_weather' } });
  assert.equal(r.parallel_tool_calls, false);
  for (const mode of ['none', 'auto', 'required'])
    assert.equal(parseChatRequest({ ...base, tools: [weather], tool_choice: mode }).tool_choice, mode);
  assert.equal(parseChatRequest({ ...base, tool_choice: 'none' }).tool_choice, 'none');
});

test('content parts: text parts kept as parts; messageText joins them', () => {
  const parts = [
    { type: 'text', text: 'Hello, ' },
    { type: 'text', text: 'world' },
  ];
  const r = parseChatRequest({ ...base, messages: [{ role: 'user', content: parts }] });
  assert.deepEqual(r.messages[0]?.content, parts);
  assert.equal(messageText(r.messages[0]!), 'Hello, world');
  assert.equal(messageText({ role: 'assistant', content: null, tool_calls: [] }), '');
  assert.equal(messageText({ role: 'user', content: 'plain' }), 'plain');
});

test('both token fields: kept as sent; the limit is max_completion_tokens, else max_tokens', () => {
  const mct = parseChatRequest({ ...base, max_completion_tokens: 64 });
  assert.deepEqual(
    [mct.max_completion_tokens, mct.max_tokens, completionTokenLimit(mct)],
    [64, undefined, 64],
  );
  const mt = parseChatRequest({ ...base, max_tokens: 32 });
  assert.deepEqual([mt.max_completion_tokens, mt.max_tokens, completionTokenLimit(mt)], [undefined, 32, 32]);
  const both = parseChatRequest({ ...base, max_tokens: 16, max_completion_tokens: 16 });
  assert.equal(completionTokenLimit(both), 16);
  assert.equal(completionTokenLimit(parseChatRequest(base)), undefined);
  const top = parseChatRequest({ ...base, max_completion_tokens: CHAT_LIMITS.completionTokens });
  assert.equal(top.max_completion_tokens, CHAT_LIMITS.completionTokens);
});

test('the sampling and streaming fields; stop as a string becomes an array; null means absent', () => {
  const r = parseChatRequest({
    ...base,
    temperature: 0,
    top_p: 1,
    seed: -7,
    stop: 'END',
    stream: true,
    stream_options: { include_usage: true },
    user: 'end-user-1',
    n: 1,
    max_tokens: null,
    frequency_penalty: 0.5,
  });
  assert.deepEqual(r, {
    model: 'chat-fast',
    messages: [user],
    stream: true,
    stream_options: { include_usage: true },
    temperature: 0,
    top_p: 1,
    seed: -7,
    stop: ['END'],
    user: 'end-user-1',
  });
  assert.deepEqual(parseChatRequest({ ...base, stop: ['a', 'b', 'c', 'd'] }).stop, ['a', 'b', 'c', 'd']);
});

const tooLong = 'x'.repeat(CHAT_LIMITS.contentChars + 1);
const half = 'x'.repeat(CHAT_LIMITS.contentChars / 2 + 1);

/** Each bad input and the param its error names. */
const BAD: [string, unknown, string][] = [
  ['body not an object', [], 'body'],
  ['body null', null, 'body'],
  ['model missing', { messages: [user] }, 'model'],
  ['model a number', { ...base, model: 7 }, 'model'],
  ['model empty', { ...base, model: '' }, 'model'],
  ['model too long', { ...base, model: 'm'.repeat(CHAT_LIMITS.modelChars + 1) }, 'model'],
  ['messages missing', { model: 'm' }, 'messages'],
  ['messages not an array', { ...base, messages: {} }, 'messages'],
  ['messages empty', { ...base, messages: [] }, 'messages'],
  ['too many messages', { ...base, messages: Array(CHAT_LIMITS.messages + 1).fill(user) }, 'messages'],
  ['message not an object', { ...base, messages: [user, 'hi'] }, 'messages[1]'],
  ['role missing', { ...base, messages: [{ content: 'x' }] }, 'messages[0].role'],
  ['role unknown', { ...base, messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role'],
  ['role not a string', { ...base, messages: [{ role: 1, content: 'x' }] }, 'messages[0].role'],
  ['content missing', { ...base, messages: [{ role: 'user' }] }, 'messages[0].content'],
  [
    'content null on a user message',
    { ...base, messages: [{ role: 'user', content: null }] },
    'messages[0].content',
  ],
  ['content a number', { ...base, messages: [{ role: 'user', content: 3 }] }, 'messages[0].content'],
  ['content too long', { ...base, messages: [{ role: 'user', content: tooLong }] }, 'messages[0].content'],
  ['parts empty', { ...base, messages: [{ role: 'user', content: [] }] }, 'messages[0].content'],
  [
    'parts together too long',
    {
      ...base,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: half },
            { type: 'text', text: half },
          ],
        },
      ],
    },
    'messages[0].content',
  ],
  [
    'too many parts',
    {
      ...base,
      messages: [
        { role: 'user', content: Array(CHAT_LIMITS.contentParts + 1).fill({ type: 'text', text: 'a' }) },
      ],
    },
    'messages[0].content',
  ],
  ['part not an object', { ...base, messages: [{ role: 'user', content: ['x'] }] }, 'messages[0].content[0]'],
  [
    'image part',
    {
      ...base,
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x' } }] }],
    },
    'messages[0].content[0].type',
  ],
  [
    'audio part second',
    {
      ...base,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'input_audio', input_audio: {} },
          ],
        },
      ],
    },
    'messages[0].content[1].type',
  ],
  [
    'part type missing',
    { ...base, messages: [{ role: 'user', content: [{ text: 'a' }] }] },
    'messages[0].content[0].type',
  ],
  [
    'text part without text',
    { ...base, messages: [{ role: 'user', content: [{ type: 'text' }] }] },
    'messages[0].content[0].text',
  ],
  ['name empty', { ...base, messages: [{ ...user, name: '' }] }, 'messages[0].name'],
  ['name a number', { ...base, messages: [{ ...user, name: 1 }] }, 'messages[0].name'],
  [
    'tool message without tool_call_id',
    { ...base, messages: [{ role: 'tool', content: 'x' }] },
    'messages[0].tool_call_id',
  ],
  [
    'tool_call_id on a user message',
    { ...base, messages: [{ ...user, tool_call_id: 'c' }] },
    'messages[0].tool_call_id',
  ],
  [
    'tool_calls on a user message',
    { ...base, messages: [{ ...user, tool_calls: [call] }] },
    'messages[0].tool_calls',
  ],
  [
    'tool_calls not an array',
    { ...base, messages: [{ role: 'assistant', content: null, tool_calls: call }] },
    'messages[0].tool_calls',
  ],
  [
    'tool_calls empty with null content',
    { ...base, messages: [{ role: 'assistant', content: null, tool_calls: [] }] },
    'messages[0].tool_calls',
  ],
  [
    'tool call without id',
    { ...base, messages: [{ role: 'assistant', tool_calls: [{ ...call, id: undefined }] }] },
    'messages[0].tool_calls[0].id',
  ],
  [
    'tool call of another type',
    { ...base, messages: [{ role: 'assistant', tool_calls: [{ ...call, type: 'custom' }] }] },
    'messages[0].tool_calls[0].type',
  ],
  [
    'tool call arguments an object',
    {
      ...base,
      messages: [{ role: 'assistant', tool_calls: [{ ...call, function: { name: 'f', arguments: {} } }] }],
    },
    'messages[0].tool_calls[0].function.arguments',
  ],
  [
    'tool call bad function name',
    {
      ...base,
      messages: [
        { role: 'assistant', tool_calls: [{ ...call, function: { name: 'a b', arguments: '{}' } }] },
      ],
    },
    'messages[0].tool_calls[0].function.name',
  ],
  ['stream a string', { ...base, stream: 'yes' }, 'stream'],
  ['stream_options a string', { ...base, stream_options: 'x' }, 'stream_options'],
  [
    'include_usage a string',
    { ...base, stream_options: { include_usage: 'yes' } },
    'stream_options.include_usage',
  ],
  ['max_tokens zero', { ...base, max_tokens: 0 }, 'max_tokens'],
  ['max_tokens fractional', { ...base, max_tokens: 1.5 }, 'max_tokens'],
  ['max_tokens above the limit', { ...base, max_tokens: CHAT_LIMITS.completionTokens + 1 }, 'max_tokens'],
  ['max_tokens a string', { ...base, max_tokens: '8' }, 'max_tokens'],
  ['max_completion_tokens zero', { ...base, max_completion_tokens: 0 }, 'max_completion_tokens'],
  [
    'max_completion_tokens above the limit',
    { ...base, max_completion_tokens: CHAT_LIMITS.completionTokens + 1 },
    'max_completion_tokens',
  ],
  ['max_completion_tokens a string', { ...base, max_completion_tokens: 'many' }, 'max_completion_tokens'],
  ['both token fields, different', { ...base, max_tokens: 8, max_completion_tokens: 16 }, 'max_tokens'],
  ['temperature a string', { ...base, temperature: 'hot' }, 'temperature'],
  ['temperature above 2', { ...base, temperature: 2.5 }, 'temperature'],
  ['temperature below 0', { ...base, temperature: -0.1 }, 'temperature'],
  ['top_p above 1', { ...base, top_p: 1.1 }, 'top_p'],
  ['seed fractional', { ...base, seed: 1.5 }, 'seed'],
  ['seed unsafe', { ...base, seed: 2 ** 60 }, 'seed'],
  ['n above 1', { ...base, n: 2 }, 'n'],
  ['stop empty string', { ...base, stop: '' }, 'stop'],
  ['stop five sequences', { ...base, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
  ['stop sequence a number', { ...base, stop: ['a', 3] }, 'stop[1]'],
  ['stop an object', { ...base, stop: { a: 1 } }, 'stop'],
  ['user a number', { ...base, user: 5 }, 'user'],
  ['tools not an array', { ...base, tools: weather }, 'tools'],
  ['too many tools', { ...base, tools: Array(CHAT_LIMITS.tools + 1).fill(weather) }, 'tools'],
  ['tool not an object', { ...base, tools: ['get_weather'] }, 'tools[0]'],
  ['tool of another type', { ...base, tools: [{ ...weather, type: 'web_search' }] }, 'tools[0].type'],
  ['tool without function', { ...base, tools: [{ type: 'function' }] }, 'tools[0].function'],
  [
    'tool function name with a space',
    { ...base, tools: [{ type: 'function', function: { name: 'get weather' } }] },
    'tools[0].function.name',
  ],
  [
    'tool function name too long',
    { ...base, tools: [{ type: 'function', function: { name: 'f'.repeat(65) } }] },
    'tools[0].function.name',
  ],
  ['duplicate tool names', { ...base, tools: [weather, weather] }, 'tools[1].function.name'],
  [
    'tool parameters an array',
    { ...base, tools: [{ type: 'function', function: { name: 'f', parameters: [] } }] },
    'tools[0].function.parameters',
  ],
  [
    'tool parameters a string',
    { ...base, tools: [{ type: 'function', function: { name: 'f', parameters: '{}' } }] },
    'tools[0].function.parameters',
  ],
  [
    'tool description a number',
    { ...base, tools: [{ type: 'function', function: { name: 'f', description: 1 } }] },
    'tools[0].function.description',
  ],
  [
    'tool strict a string',
    { ...base, tools: [{ type: 'function', function: { name: 'f', strict: 'yes' } }] },
    'tools[0].function.strict',
  ],
  ['tool_choice unknown mode', { ...base, tools: [weather], tool_choice: 'always' }, 'tool_choice'],
  ['tool_choice auto without tools', { ...base, tool_choice: 'auto' }, 'tool_choice'],
  ['tool_choice a number', { ...base, tools: [weather], tool_choice: 1 }, 'tool_choice'],
  [
    'tool_choice of another type',
    { ...base, tools: [weather], tool_choice: { type: 'tool', function: { name: 'get_weather' } } },
    'tool_choice.type',
  ],
  [
    'tool_choice function missing',
    { ...base, tools: [weather], tool_choice: { type: 'function' } },
    'tool_choice.function',
  ],
  [
    'tool_choice names an undeclared function',
    { ...base, tools: [weather], tool_choice: { type: 'function', function: { name: 'other' } } },
    'tool_choice.function.name',
  ],
  ['parallel_tool_calls a string', { ...base, parallel_tool_calls: 'no' }, 'parallel_tool_calls'],
];

for (const [name, body, param] of BAD) {
  test(`refused: ${name} → ${param}`, () => {
    assert.throws(
      () => parseChatRequest(body),
      (error: unknown) => {
        assert.ok(error instanceof ChatRequestError);
        assert.equal(error.param, param);
        assert.ok(error.message.startsWith(`${param}: `), error.message);
        assert.deepEqual(error.toBody(), {
          error: { message: error.message, type: 'invalid_request_error', param, code: 'INVALID_REQUEST' },
        });
        return true;
      },
    );
  });
}

test('a role error lists every accepted role', () => {
  assert.throws(
    () => parseChatRequest({ ...base, messages: [{ role: 'robot', content: 'x' }] }),
    /messages\[0\]\.role: expected one of system, developer, user, assistant, tool/,
  );
});

test('an unsupported part names its type', () => {
  assert.throws(
    () => parseChatRequest({ ...base, messages: [{ role: 'user', content: [{ type: 'image_url' }] }] }),
    /content part type image_url is not supported/,
  );
});
