import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { GroundTruth } from '../src/ground-truth.js';
import { LoadConfigError, runLoad } from '../src/run-load.js';
import { SCENARIO_NAMES } from '../src/scenarios.js';
import { EXPIRED_KEY, type StubCounts, startStubApi, VALID_KEY } from './support/stub-api.js';

function assertMatches(truth: GroundTruth, counts: StubCounts): void {
  assert.deepEqual(
    truth.requests.byStatus,
    Object.fromEntries(Object.entries(counts.byStatus).map(([k, v]) => [k, v])),
  );
  assert.deepEqual(truth.requests.byModel, counts.byModel);
  assert.equal(truth.tokens.prompt, counts.prompt);
  assert.equal(truth.tokens.completion, counts.completion);
  assert.equal(truth.requests.skipped, 0);
}

for (const name of SCENARIO_NAMES) {
  test(`${name}: the ground truth equals what the API answered`, async (t) => {
    const api = await startStubApi();
    const dir = mkdtempSync(join(tmpdir(), 'loadgen-test-'));
    t.after(async () => {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const out = join(dir, 'truth.json');
    const truth = await runLoad({
      scenario: name,
      gateway: api.url,
      rate: 200,
      durationMs: 300,
      keys: { valid: VALID_KEY, expired: EXPIRED_KEY },
      out,
    });
    assert.ok(truth.requests.total > 0);
    assertMatches(truth, api.counts);
    const written = JSON.parse(readFileSync(out, 'utf8')) as GroundTruth;
    assert.deepEqual(written.requests, truth.requests);
    assert.deepEqual(written.tokens, truth.tokens);
    assert.equal(truth.latencyMs.count, truth.requests.total);
    assert.equal(truth.requests.streamed, api.counts.streamed);
    if (name === 'error-storm') {
      for (const code of [
        'API_KEY_MISSING',
        'API_KEY_MALFORMED',
        'API_KEY_UNKNOWN',
        'INVALID_JSON',
        'INVALID_REQUEST',
        'MODEL_NOT_FOUND',
        'REQUEST_BODY_TOO_LARGE',
      ]) {
        assert.ok((truth.requests.byErrorCode[code] ?? 0) > 0, code);
      }
    }
    if (name === 'expired-key') assert.ok((truth.requests.byErrorCode.API_KEY_EXPIRED ?? 0) > 0);
    if (name === 'streaming-mix') {
      assert.ok(truth.requests.streamed > 0);
      assert.equal(truth.ttftMs.count, truth.requests.streamed);
    }
    if (name === 'slow-model') assert.deepEqual(Object.keys(truth.requests.byModel), ['sim-slow']);
    if (name === 'cache-friendly') assert.deepEqual(Object.keys(truth.requests.byModel), ['sim-small']);
    assert.ok(truth.sampleTraceIds.every((id) => /^[0-9a-f]{32}$/.test(id)));
  });
}

test('bad options are refused before anything is sent', async (t) => {
  const api = await startStubApi();
  t.after(() => api.close());
  const base = {
    scenario: 'steady' as const,
    gateway: api.url,
    rate: 10,
    durationMs: 100,
    keys: { valid: VALID_KEY },
  };
  const field = (f: string) => (e: unknown) => e instanceof LoadConfigError && e.field === f;
  await assert.rejects(runLoad({ ...base, rate: 0 }), field('rate'));
  await assert.rejects(runLoad({ ...base, durationMs: -1 }), field('duration'));
  await assert.rejects(runLoad({ ...base, scenario: 'expired-key' }), field('expired key'));
  await assert.rejects(runLoad({ ...base, scenario: 'nope' as 'steady' }), field('scenario'));
  assert.deepEqual(api.counts.byStatus, {});
});

test('an unreachable gateway is recorded as status 0 with the network error', async () => {
  const api = await startStubApi();
  const url = api.url;
  await api.close();
  const truth = await runLoad({
    scenario: 'steady',
    gateway: url,
    rate: 50,
    durationMs: 100,
    keys: { valid: VALID_KEY },
    models: ['m'],
  });
  assert.ok(truth.requests.total > 0);
  assert.deepEqual(truth.requests.byStatus, { 0: truth.requests.total });
  assert.equal(truth.requests.byErrorCode.ECONNREFUSED, truth.requests.total);
  // Without models given, the run cannot even start; the error says where it looked.
  await assert.rejects(
    runLoad({ scenario: 'steady', gateway: url, rate: 50, durationMs: 100, keys: { valid: VALID_KEY } }),
    (e: unknown) => e instanceof LoadConfigError && e.field === 'gateway' && /ECONNREFUSED/.test(e.message),
  );
});
