import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseChatRequest } from '../../src/internal/chat-request.js';
import { planGeneration } from '../../src/internal/generation-plan.js';
import { modelProfile, PROFILE_PRESETS } from '../../src/internal/model-profile.js';

test('every preset’s longest completion, every delay at the top of its jitter, stays under 0.5 s', () => {
  // The local stack's background traffic must keep p99 under the 1 s alert threshold (docs/architecture.md,
  // 1.3); with histogram buckets at 0.25, 0.5 and 1 s that needs every answer under 0.5 s.
  for (const preset of Object.keys(PROFILE_PRESETS)) {
    const profile = modelProfile('m', preset);
    const plan = planGeneration(
      parseChatRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4096 }),
      { ...profile, minTokens: profile.maxTokens },
      () => 0.999999,
    );
    assert.equal(plan.tokens.length, profile.maxTokens, preset);
    const totalMs = plan.ttftMs + plan.tokenDelaysMs.reduce((a, b) => a + b, 0);
    assert.ok(totalMs < 500, `${preset}: ${totalMs.toFixed(0)} ms`);
  }
});
