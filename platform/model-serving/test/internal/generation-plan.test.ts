import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseChatRequest } from '../../src/internal/chat-request.js';
import { countPromptTokens, planGeneration } from '../../src/internal/generation-plan.js';
import { modelProfile, PROFILE_PRESETS, type ProfileError } from '../../src/internal/model-profile.js';

const request = (extra: object = {}) =>
  parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'tell me a story' }], ...extra });

test('the same request gets the same tokens; delays follow the profile', () => {
  const profile = modelProfile('m', 'fast', { jitter: 0 });
  const a = planGeneration(request(), profile);
  const b = planGeneration(request(), profile);
  assert.deepEqual(a.tokens, b.tokens);
  assert.equal(a.ttftMs, PROFILE_PRESETS.fast.ttftMs);
  assert.deepEqual(new Set(a.tokenDelaysMs), new Set([PROFILE_PRESETS.fast.tokenMs]));
  assert.equal(a.tokenDelaysMs.length, a.tokens.length - 1);
  assert.ok(a.tokens.length >= 8 && a.tokens.length <= 48);
});

test('jitter stays within the profile fraction', () => {
  const profile = modelProfile('m', 'fast', { jitter: 0.5 });
  const low = planGeneration(request(), profile, () => 0);
  const high = planGeneration(request(), profile, () => 0.999999);
  assert.equal(low.ttftMs, 20);
  assert.ok(high.ttftMs > 59 && high.ttftMs <= 60);
});

test('a stop sequence ends the completion before it', () => {
  const profile = modelProfile('m', 'instant', { minTokens: 40, maxTokens: 40 });
  const full = planGeneration(request(), profile).tokens.join('');
  const word = full.split(' ')[3]!;
  const cut = planGeneration(request({ stop: [word] }), profile);
  assert.equal(cut.finishReason, 'stop');
  assert.equal(cut.tokens.join(''), full.slice(0, full.indexOf(word)));
});

test('prompt tokens grow with the prompt', () => {
  assert.ok(countPromptTokens(request({ messages: [{ role: 'user', content: 'x'.repeat(400) }] })) > 100);
});

test('bad profiles name the field', () => {
  assert.throws(
    () => modelProfile('m', 'huge'),
    (e: ProfileError) => e.field === 'profile',
  );
  assert.throws(
    () => modelProfile('m', 'fast', { ttftMs: -1 }),
    (e: ProfileError) => e.field === 'ttftMs',
  );
  assert.throws(
    () => modelProfile('m', 'fast', { minTokens: 99, maxTokens: 9 }),
    (e: ProfileError) => e.field === 'minTokens',
  );
  assert.throws(
    () => modelProfile('bad name'),
    (e: ProfileError) => e.field === 'name',
  );
});
