// Issue 4's end-to-end checks of the platform: a loadgen run's ground truth equals what Prometheus
// reports, and the official openai client works unchanged against the gateway.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type GroundTruth, runLoad } from '@opsight/loadgen';
import OpenAI from 'openai';
import { eventually, port, promQuery, secret } from '../src/env.js';

const GATEWAY = `http://127.0.0.1:${port(8080)}`;
// The background traffic leaves chat-instant alone, so what it counts here is this test's own traffic.
const MODEL = 'chat-instant';

/** Sum of a counter by one label, as a map (absent series count 0). */
async function counts(query: string, by: string): Promise<Map<string, number>> {
  const result = await promQuery(`sum by (${by}) (${query})`);
  return new Map(result.map((r) => [r.metric[by] ?? '', Number(r.value[1])]));
}

const delta = (after: Map<string, number>, before: Map<string, number>, key: string) =>
  (after.get(key) ?? 0) - (before.get(key) ?? 0);

test('after an error-storm run, Prometheus reports the ground truth: requests by status, tokens', async () => {
  const nginx = 'nginx_http_requests_total';
  const calls = `api_requests_total{model_name="${MODEL}"}`;
  const tokens = `api_tokens_total{model_name="${MODEL}"}`;
  const outputTokens = `model_output_tokens_total{model_name="${MODEL}"}`;
  const snapshot = async () => ({
    nginx: await counts(nginx, 'status'),
    calls: await counts(calls, 'status'),
    tokens: await counts(tokens, 'direction'),
    output: await counts(outputTokens, 'model_name'),
  });
  const before = await snapshot();

  const truth: GroundTruth = await runLoad({
    scenario: 'error-storm',
    gateway: GATEWAY,
    rate: 16,
    durationMs: 4_000,
    keys: { valid: secret('loadgen-api-key') },
    models: [MODEL],
    seed: 7,
  });
  assert.equal(truth.requests.skipped, 0);
  const statuses = Object.keys(truth.requests.byStatus);
  // The storm's bad inputs answer 400, 401, 404 and 413; its valid requests 200.
  for (const s of ['200', '400', '401', '404', '413'])
    assert.ok(statuses.includes(s), `no ${s} in ${statuses}`);
  const ok = truth.requests.byModel[MODEL]?.['200'] ?? 0;
  assert.ok(ok > 0);

  // Errors are counted at the gateway (the background traffic answers 200 only); the 200s of this
  // model at the API; tokens at the API and at model-serving. Wait for the scrapes to catch up.
  let last = '';
  const matched = await eventually(
    'Prometheus to report the ground truth',
    async () => {
      const after = await snapshot();
      const mismatches: string[] = [];
      for (const [status, n] of Object.entries(truth.requests.byStatus)) {
        if (status === '200') continue;
        const seen = delta(after.nginx, before.nginx, status);
        if (seen !== n) mismatches.push(`${nginx}{status="${status}"} +${seen}, truth ${n}`);
      }
      const seen200 = delta(after.calls, before.calls, '200');
      if (seen200 !== ok) mismatches.push(`${calls}{status="200"} +${seen200}, truth ${ok}`);
      const t = truth.tokens.byModel[MODEL] ?? { prompt: 0, completion: 0 };
      for (const direction of ['prompt', 'completion'] as const) {
        const seen = delta(after.tokens, before.tokens, direction);
        if (seen !== t[direction])
          mismatches.push(`${tokens}{direction="${direction}"} +${seen}, truth ${t[direction]}`);
      }
      const served = delta(after.output, before.output, MODEL);
      if (served !== t.completion) mismatches.push(`${outputTokens} +${served}, truth ${t.completion}`);
      last = mismatches.join('; ');
      return mismatches.length === 0;
    },
    30_000,
  ).catch((error: Error) => assert.fail(`${error.message}: ${last}`));
  assert.equal(matched, true);
});

test('the official openai client works unchanged against the gateway, streaming and not', async () => {
  const client = new OpenAI({ baseURL: `${GATEWAY}/v1`, apiKey: secret('loadgen-api-key'), maxRetries: 0 });
  const models = await client.models.list();
  assert.ok(models.data.some((m) => m.id === MODEL));

  const completion = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content: 'Say hello.' }],
    temperature: 0.3,
  });
  assert.equal(completion.object, 'chat.completion');
  assert.ok((completion.choices[0]?.message.content ?? '').length > 0);
  assert.ok((completion.usage?.completion_tokens ?? 0) > 0);

  const stream = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content: 'Count to three.' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usage: OpenAI.CompletionUsage | undefined | null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  assert.ok(text.length > 0);
  assert.ok((usage?.completion_tokens ?? 0) > 0);

  // A bad key is the API's 401, surfaced by the client as its AuthenticationError.
  const bad = new OpenAI({ baseURL: `${GATEWAY}/v1`, apiKey: 'sk-not-a-real-key', maxRetries: 0 });
  await assert.rejects(
    bad.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    (e: unknown) => e instanceof OpenAI.AuthenticationError,
  );
});
